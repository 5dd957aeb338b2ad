import { cpSync, existsSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

export type OpenAIModule = typeof import('openai');

export interface SdkUnderTest {
  /** e.g. `openai@4.104.0` */
  label: string;
  major: number;
  module: OpenAIModule;
}

/**
 * The oldest and the newest supported majors of `openai`, both loaded under the module name
 * `openai` so the instrumentation's hook (by module name, from the file's path) patches both.
 *
 * v7 is the package's `openai` dev dependency. v4 is installed as the npm alias `openai-v4`,
 * whose folder name would make it a different module to require-in-the-middle; a symlink does
 * not help either (Node requires the real path). So the v4 package is copied once into
 * `test/.sdks/v4/node_modules/openai` (git-ignored) and required from there: its own
 * dependencies still resolve up the tree, from the workspace's node_modules.
 */
export function loadSdks(): SdkUnderTest[] {
  const here = createRequire(__filename);
  const newest = here('openai') as OpenAIModule;
  const v4Source = packageRoot(here.resolve('openai-v4'));
  const v4Version = versionOf(v4Source);
  const v4Root = join(__dirname, '..', '.sdks', 'v4');
  const v4Package = join(v4Root, 'node_modules', 'openai');
  const installed = join(v4Package, 'package.json');
  const current = existsSync(installed) && versionOf(v4Package) === v4Version;
  if (!current) {
    const staging = `${v4Package}.${process.pid}`;
    rmSync(staging, { recursive: true, force: true });
    cpSync(v4Source, staging, { recursive: true, dereference: true });
    rmSync(v4Package, { recursive: true, force: true });
    renameSync(staging, v4Package);
  }
  const oldest = createRequire(join(v4Root, 'load.js'))('openai') as OpenAIModule;
  const newestVersion = versionOf(packageRoot(here.resolve('openai')));
  return [
    { label: `openai@${v4Version}`, major: 4, module: oldest },
    {
      label: `openai@${newestVersion}`,
      major: Number(newestVersion.split('.')[0]),
      module: newest,
    },
  ];
}

function versionOf(root: string): string {
  return (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string })
    .version;
}

/** The folder of the package a resolved file belongs to (its exports hide package.json). */
function packageRoot(file: string): string {
  let folder = dirname(file);
  while (!existsSync(join(folder, 'package.json'))) folder = dirname(folder);
  return folder;
}
