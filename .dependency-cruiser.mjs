// Two rules ESLint cannot state cleanly, checked by `npm run lint` (depcruise).
const ROOM = '^(packages/[^/]+|services/[^/]+|stack|bench|test|deploy|console)/'

export default {
  forbidden: [
    {
      name: 'no-circular',
      comment: 'A cycle, even one closed by a type-only import, ties modules that should be read one after the other.',
      severity: 'error',
      from: {},
      to: { circular: true }
    },
    {
      name: 'front-doors',
      comment: 'Workspaces reach each other only through package exports (@ripple/...), never by a relative path into another workspace.',
      severity: 'error',
      from: { path: ROOM },
      to: { dependencyTypesNot: ['aliased-workspace'], path: ROOM, pathNot: '^$1/' }
    }
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '(^|/)(node_modules|\\.ripple)/' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    combinedDependencies: true,
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['import', 'node', 'default'] }
  }
}
