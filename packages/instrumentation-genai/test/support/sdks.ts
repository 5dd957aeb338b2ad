import { cpSync, existsSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

export type OpenAIModule = typeof import('openai');

export interface SdkUnderTest<Module = OpenAIModule> {
  /** e.g. `openai@4.104.0` */
  label: string;
  major: number;
  version: string;
  module: Module;
}

/**
 * The oldest and the newest supported version of an SDK, both loaded under the SDK's own module
 * name, so the instrumentation's hook (by module name, from the file's path) patches both.
 *
 * The newest is the package's dev dependency under its own name (e.g. `openai`). The oldest is
 * installed as an npm alias (e.g. `openai-v4`), whose folder name would make it a different
 * module to require-in-the-middle; a symlink does not help either (Node requires the real path).
 * So the aliased package is copied once into `test/.sdks/<alias>/node_modules/<name>`
 * (git-ignored) and required from there: its own dependencies still resolve up the tree, from
 * the workspace's node_modules.
 */
export function loadVersions<Module>(name: string, alias: string): SdkUnderTest<Module>[] {
  const here = createRequire(__filename);
  const newest = here(name) as Module;
  const newestVersion = versionOf(packageRoot(here.resolve(name)));
  return [
    loadOldest<Module>(name, alias),
    {
      label: `${name}@${newestVersion}`,
      major: majorOf(newestVersion),
      version: newestVersion,
      module: newest,
    },
  ];
}

/** The aliased oldest version alone (for an SDK whose newest version is ESM only). */
export function loadOldest<Module>(name: string, alias: string): SdkUnderTest<Module> {
  const { root, version } = copyOldest(name, alias);
  const module = createRequire(join(root, 'load.js'))(name) as Module;
  return { label: `${name}@${version}`, major: majorOf(version), version, module };
}

/**
 * Copies the aliased package once to `test/.sdks/<alias>/node_modules/<name>`; returns the
 * folder to require it from and its version.
 */
export function copyOldest(
  name: string,
  alias: string,
): { root: string; packageFolder: string; version: string } {
  const here = createRequire(__filename);
  const source = packageRoot(here.resolve(alias));
  const version = versionOf(source);
  const root = join(__dirname, '..', '.sdks', alias);
  const packageFolder = join(root, 'node_modules', ...name.split('/'));
  const installed = join(packageFolder, 'package.json');
  if (!(existsSync(installed) && versionOf(packageFolder) === version)) {
    const staging = `${packageFolder}.${process.pid}`;
    rmSync(staging, { recursive: true, force: true });
    cpSync(source, staging, { recursive: true, dereference: true });
    rmSync(packageFolder, { recursive: true, force: true });
    renameSync(staging, packageFolder);
  }
  return { root, packageFolder, version };
}

/** openai v4 (oldest supported major) and the newest. */
export function loadSdks(): SdkUnderTest[] {
  return loadVersions<OpenAIModule>('openai', 'openai-v4');
}

function majorOf(version: string): number {
  return Number(version.split('.')[0]);
}

function versionOf(root: string): string {
  return (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string })
    .version;
}

/**
 * The folder of the package a resolved file belongs to (its exports hide package.json): the
 * nearest folder up whose package.json is the package's own (nested dist/ folders of some SDKs
 * carry a package.json of their own, with only a `type`).
 */
function packageRoot(file: string): string {
  let folder = dirname(file);
  for (;;) {
    const manifest = join(folder, 'package.json');
    if (existsSync(manifest)) {
      const parsed = JSON.parse(readFileSync(manifest, 'utf8')) as {
        name?: string;
        version?: string;
      };
      if (parsed.name && parsed.version) return folder;
    }
    const parent = dirname(folder);
    if (parent === folder) throw new Error(`no package.json above ${file}`);
    folder = parent;
  }
}

/** The installed version of a package whose `exports` hide its package.json. */
export function installedVersion(name: string): string {
  return versionOf(packageRoot(createRequire(__filename).resolve(name)));
}
