import { readFileSync } from 'node:fs';
import { relative, resolve, sep } from 'node:path';
import { resolveConfig, type ReconConfig } from './config.js';

// Not node-host's toPosix: reading the config must not load the engine (or TypeScript) in the jscodeshift worker.
const toPosix = (path: string) => path.split(sep).join('/');

/** A config that cannot be read or is not valid; the message names the file and the reason. */
export class ConfigError extends Error {}

/**
 * The config, read from disk the one way every Node entry point reads it (the CLI, the jscodeshift worker; the lint
 * rule takes its options from the ESLint config instead): `configPath` (a JSON file, relative to `cwd`), else the
 * "recon-codemod" key of the first package.json in `dirs` that has one (a package.json that cannot be read or parsed
 * is skipped), else the defaults. `explicit`: the user wrote one rather than taking the defaults.
 */
export function readConfig(
  configPath: string | undefined,
  dirs: readonly string[],
  cwd: string,
): { config: ReconConfig; explicit: boolean } {
  if (configPath) return { config: readConfigFile(configPath, cwd), explicit: true };
  for (const dir of new Set(dirs)) {
    let pkg: Record<string, unknown>;
    try {
      pkg = JSON.parse(readFileSync(resolve(dir, 'package.json'), 'utf8')) as Record<string, unknown>;
    } catch {
      continue;
    }
    if (pkg?.['recon-codemod'] === undefined) continue;
    const origin = `${toPosix(relative(cwd, resolve(dir, 'package.json'))) || 'package.json'} "recon-codemod"`;
    return { config: resolved(pkg['recon-codemod'], origin), explicit: true };
  }
  return { config: resolveConfig(undefined), explicit: false };
}

function readConfigFile(configPath: string, cwd: string): ReconConfig {
  let text: string;
  try {
    text = readFileSync(resolve(cwd, configPath), 'utf8');
  } catch {
    throw new ConfigError(`cannot read config file: ${configPath}`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new ConfigError(`config file ${configPath} is not valid JSON: ${(error as Error).message}`);
  }
  return resolved(parsed, configPath);
}

function resolved(partial: unknown, origin: string): ReconConfig {
  try {
    return resolveConfig(partial, origin);
  } catch (error) {
    throw new ConfigError((error as Error).message);
  }
}
