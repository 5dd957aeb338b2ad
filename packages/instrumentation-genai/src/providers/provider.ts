// The contract between the instrumentation and one file (or folder) per SDK: which module, which
// versions, which exported classes' methods to wrap, and how. The instrumentation turns these
// into InstrumentationNodeModuleDefinitions for CommonJS and ESM alike.
import type { RecorderDependencies } from '../span-recorder';

export type AnyMethod = (this: unknown, ...args: unknown[]) => unknown;

export interface PatchContext {
  dependencies: RecorderDependencies;
  /** False once the instrumentation is disabled: wrapped methods then call straight through. */
  enabled: () => boolean;
}

export interface PatchedMethod {
  /**
   * Files of the module that export the class, without extension (`.js` and `.mjs` are both
   * patched), e.g. `openai/resources/embeddings`. Several layouts across versions may be listed.
   */
  files: readonly string[];
  /** The exported class whose prototype holds the method. */
  exportName: string;
  method: string;
  /**
   * Left alone when the class also has this method: in a newer layout of the same SDK, `method`
   * is a thin public wrapper around it (which is the one listed then), and wrapping both would
   * make two spans of one call.
   */
  unless?: string;
  wrap: (original: AnyMethod, context: PatchContext) => AnyMethod;
}

export interface ProviderPatch {
  /** The npm package name. */
  module: string;
  /** Closed semver ranges of the versions supported and tested. */
  versions: readonly string[];
  methods: readonly PatchedMethod[];
}
