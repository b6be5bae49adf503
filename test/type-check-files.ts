/**
 * The whole-program type checks against the SDKs' declarations (test/helpers.ts typeCheck, and --write's verify step).
 * They run as one test file, test/type-checks.test.ts, so in one worker: the declarations they parse (TypeScript's lib
 * files, @types/node, every installed major of openai and ai) are parsed once, not once per worker, and what that worker
 * keeps (several hundred MB) is in no other test's heap. Run one of them alone with
 * `npx vitest run --project type-checks -t '<its describe>'`.
 */
export const TYPE_CHECK_FILES = [
  'test/fixtures-typecheck.test.ts',
  'test/sdk-majors.test.ts',
  'test/tracker-declarations.test.ts',
  'test/schema-step.test.ts',
  'test/schema-step-shapes.test.ts',
  'test/demo-app-typecheck.test.ts',
  'test/exact-optional-property-types.test.ts',
  'test/verify.test.ts',
];
