import { diag } from '@opentelemetry/api';
import {
  InstrumentationBase,
  InstrumentationNodeModuleDefinition,
  InstrumentationNodeModuleFile,
  isWrapped,
} from '@opentelemetry/instrumentation';
import type { PriceBook } from '@elkhound/pricing';
import { DefaultPricing } from './default-pricing';
import { resolveAndReport, type ResolvedConfig } from './config';
import { GenAIMetrics } from './metrics';
import { PROVIDERS } from './providers';
import type { AnyMethod, PatchContext, PatchedMethod, ProviderPatch } from './providers/provider';
import type { RecorderDependencies } from './span-recorder';
import type { GenAIInstrumentationConfig } from './types';
import { ELKHOUND_INSTRUMENTATION_NAME } from './semconv';

const PACKAGE_VERSION = '0.1.0';

type Exports = Record<string, { prototype?: Record<string, unknown> } | undefined>;

/**
 * Patches LLM SDKs into GenAI spans, metrics and events with tokens, cost and prompt hashes.
 * Each SDK is described by one file (or folder) under providers/; this class only turns those
 * descriptions into module hooks, for CommonJS (`require`) and ESM (`--import` hooks) alike.
 */
export class GenAIInstrumentation extends InstrumentationBase<GenAIInstrumentationConfig> {
  // Class fields are initialised only after InstrumentationBase's constructor, which already
  // calls init(), setConfig() and _updateMetricInstruments(): what they need is read lazily.
  private settings: ResolvedConfig | undefined;
  private defaultPricing: DefaultPricing | undefined;
  private instruments: GenAIMetrics | undefined;

  constructor(config: GenAIInstrumentationConfig = {}) {
    super(ELKHOUND_INSTRUMENTATION_NAME, PACKAGE_VERSION, config);
  }

  override setConfig(config: GenAIInstrumentationConfig = {}): void {
    super.setConfig(config);
    this.settings = undefined;
  }

  protected override _updateMetricInstruments(): void {
    this.instruments = undefined;
  }

  protected init(): InstrumentationNodeModuleDefinition[] {
    const patch: PatchContext = {
      dependencies: this.dependencies(),
      enabled: () => this.isEnabled(),
    };
    return PROVIDERS.map((provider) => this.moduleDefinition(provider, patch));
  }

  private moduleDefinition(
    provider: ProviderPatch,
    patch: PatchContext,
  ): InstrumentationNodeModuleDefinition {
    // One hook per file; a file may hold several patched classes.
    const byFile = new Map<string, PatchedMethod[]>();
    for (const method of provider.methods) {
      for (const file of method.files) {
        for (const extension of ['.js', '.mjs', '.cjs']) {
          const path = file + extension;
          const methods = byFile.get(path) ?? [];
          methods.push(method);
          byFile.set(path, methods);
        }
      }
    }
    const files = [...byFile].map(
      ([path, methods]) =>
        new InstrumentationNodeModuleFile(
          path,
          [...provider.versions],
          (moduleExports: Exports) => {
            for (const method of methods) this.patchMethod(moduleExports, method, patch);
            return moduleExports;
          },
          (moduleExports: Exports | undefined) => {
            for (const method of methods) {
              const prototype = moduleExports?.[method.exportName]?.prototype;
              if (prototype && isWrapped(prototype[method.method]))
                this._unwrap(prototype, method.method);
            }
          },
        ),
    );
    // The package's main entry can hold the classes too (a bundled SDK such as @google/genai is
    // one file, which `require` reaches as the package itself, not as one of its files).
    return new InstrumentationNodeModuleDefinition(
      provider.module,
      [...provider.versions],
      (moduleExports: Exports) => {
        for (const method of provider.methods) this.patchMethod(moduleExports, method, patch);
        return moduleExports;
      },
      (moduleExports: Exports | undefined) => {
        for (const method of provider.methods) {
          const prototype = moduleExports?.[method.exportName]?.prototype;
          if (prototype && isWrapped(prototype[method.method]))
            this._unwrap(prototype, method.method);
        }
      },
      files,
    );
  }

  private patchMethod(moduleExports: Exports, method: PatchedMethod, patch: PatchContext): void {
    try {
      const prototype = moduleExports?.[method.exportName]?.prototype;
      const original = prototype?.[method.method];
      // A re-exporting file hands over the same class: it is wrapped once.
      if (!prototype || typeof original !== 'function' || isWrapped(original)) return;
      if (method.unless !== undefined && typeof prototype[method.unless] === 'function') return;
      this._wrap(prototype, method.method, (unwrapped) =>
        method.wrap(unwrapped as AnyMethod, patch),
      );
    } catch (error) {
      diag.error(`elkhound: could not patch ${method.exportName}.${method.method}`, error);
    }
  }

  private dependencies(): RecorderDependencies {
    return {
      tracer: () => this.tracer,
      logger: () => this.logger,
      metrics: () => (this.instruments ??= new GenAIMetrics(this.meter)),
      settings: () => (this.settings ??= resolveAndReport(this.getConfig())),
      pricing: () => this.pricing(),
    };
  }

  private pricing(): PriceBook | undefined {
    const configured = (this.settings ??= resolveAndReport(this.getConfig())).pricing;
    if (configured) return configured;
    return (this.defaultPricing ??= new DefaultPricing()).get();
  }
}
