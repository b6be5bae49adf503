/**
 * Packages that only some entry points need are optional peer dependencies (the way ORMs ask for their database
 * drivers): `npx recon-codemod` installs the codemod alone, and the tracker, `reconcile` and the ESLint plugin load
 * theirs when used. When one is missing they say so in one line, with the command that installs it.
 */
import { createRequire } from 'node:module';

/** `recon-codemod reconcile needs openai: npm i -D openai`. */
export class MissingPackageError extends Error {
  override name = 'MissingPackageError';
  constructor(
    readonly packages: string[],
    who: string,
    dev = true,
    /** What is needed, when it is more than the names (a version). */
    what = packages.join(' and '),
  ) {
    super(`${who} needs ${what}: npm i ${dev ? '-D ' : ''}${packages.join(' ')}`);
  }
}

/** The package a failed import or require could not find (not a file inside it, not one of its own dependencies'). */
export function missingPackage(error: unknown): string | undefined {
  const { code, message } = (error ?? {}) as { code?: string; message?: string };
  if (code !== 'ERR_MODULE_NOT_FOUND' && code !== 'MODULE_NOT_FOUND') return undefined;
  // ESM: "Cannot find package 'openai' imported from …"; CommonJS: "Cannot find module '@typescript-eslint/parser'".
  const name = /^Cannot find (?:package|module) '((?:@[^/']+\/)?[^/'.][^/']*)'/.exec(message ?? '')?.[1];
  return name;
}

const localRequire = createRequire(import.meta.url);

/** Whether a package can be found from here (resolved, not loaded). */
export function isInstalled(name: string): boolean {
  try {
    localRequire.resolve(name);
    return true;
  } catch (error) {
    // A package that is there but exports no `require` entry fails otherwise (ERR_PACKAGE_PATH_NOT_EXPORTED).
    return (error as { code?: string }).code !== 'MODULE_NOT_FOUND';
  }
}

/**
 * Runs `load` (a literal `import('pkg')`, so bundlers still see it) and turns "cannot find `pkg`" into a
 * MissingPackageError that also names whichever of `also` is missing too. Any other failure is rethrown as it is.
 */
export async function importOptional<T>(
  pkg: string,
  who: string,
  load: () => Promise<T>,
  options: { also?: string[]; dev?: boolean } = {},
): Promise<T> {
  try {
    return await load();
  } catch (error) {
    const missing = missingPackage(error);
    if (missing === pkg || options.also?.includes(missing ?? '')) throw missingError(missing!, pkg, who, options);
    throw error;
  }
}

/** The synchronous form, for CommonJS packages loaded at module level (the ESLint plugin's parser and rule helper). */
export function requireOptional<T>(pkg: string, who: string, options: { also?: string[]; dev?: boolean } = {}): T {
  try {
    return localRequire(pkg) as T;
  } catch (error) {
    const missing = missingPackage(error);
    if (missing === pkg) throw missingError(missing, pkg, who, options);
    throw error;
  }
}

function missingError(
  missing: string,
  pkg: string,
  who: string,
  options: { also?: string[]; dev?: boolean },
): MissingPackageError {
  const all = [pkg, ...(options.also ?? [])].filter((name) => name === missing || !isInstalled(name));
  return new MissingPackageError(all, who, options.dev ?? true);
}
