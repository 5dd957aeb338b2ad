import { diag } from '@opentelemetry/api';
import {
  InstrumentationBase,
  InstrumentationNodeModuleDefinition,
  InstrumentationNodeModuleFile,
  isWrapped,
} from '@opentelemetry/instrumentation';
import { defaultPriceBook, type PriceBook } from '@elkhound/pricing';
import { PromptHasher } from './prompt-hash';
import { wrapCreate, type OpenAIPatchOptions } from './providers/openai';
import type { RecorderDependencies } from './span-recorder';
import type { GenAIInstrumentationConfig } from './types';

const PACKAGE_NAME = '@elkhound/instrumentation-genai';
const PACKAGE_VERSION = '0.1.0';

/** openai v4 through v7: closed, as every supported range is. */
const OPENAI_VERSIONS = ['>=4.0.0 <8'];

interface PrototypeHolder {
  prototype: { create: (...args: never[]) => unknown };
}
type ModuleWith<Name extends string> = Record<Name, PrototypeHolder | undefined>;

/**
 * Patches LLM SDKs into GenAI spans with tokens, cost and prompt hashes. One file per SDK under
 * providers/ describes the SDK; this class only knows which files of which module to patch.
 */
export class GenAIInstrumentation extends InstrumentationBase<GenAIInstrumentationConfig> {
  // Class fields are initialised only after InstrumentationBase's constructor, which already
  // calls init() and setConfig(): everything init() needs is read through closures at call time.
  private hasher: PromptHasher | undefined;
  private priceBook: PriceBook | undefined;

  constructor(config: GenAIInstrumentationConfig = {}) {
    super(PACKAGE_NAME, PACKAGE_VERSION, config);
    this.configure();
  }

  override setConfig(config: GenAIInstrumentationConfig = {}): void {
    super.setConfig(config);
    this.configure();
  }

  protected init() {
    const dependencies: RecorderDependencies = {
      tracer: () => this.tracer,
      hasher: () => this.hasher,
      pricing: () => this.pricing(),
    };
    const openai: OpenAIPatchOptions = {
      dependencies,
      providerHosts: () => this.providerHosts(),
      enabled: () => this.isEnabled(),
    };
    const file = (
      path: string,
      exportName: 'Completions' | 'Embeddings',
      kind: 'chat' | 'embeddings',
    ) =>
      new InstrumentationNodeModuleFile(
        path,
        OPENAI_VERSIONS,
        (moduleExports: ModuleWith<typeof exportName>) => {
          const target = moduleExports[exportName]?.prototype;
          if (target && !isWrapped(target.create)) {
            this._wrap(
              target,
              'create',
              (original) => wrapCreate(kind, original as never, openai) as never,
            );
          }
          return moduleExports;
        },
        (moduleExports: ModuleWith<typeof exportName>) => {
          const target = moduleExports?.[exportName]?.prototype;
          if (target && isWrapped(target.create)) this._unwrap(target, 'create');
        },
      );
    const files: InstrumentationNodeModuleFile[] = [];
    for (const extension of ['js', 'mjs']) {
      files.push(
        file(`openai/resources/chat/completions/completions.${extension}`, 'Completions', 'chat'), // v5+
        file(`openai/resources/chat/completions.${extension}`, 'Completions', 'chat'), // v4
        file(`openai/resources/embeddings.${extension}`, 'Embeddings', 'embeddings'),
      );
    }
    return [
      new InstrumentationNodeModuleDefinition(
        'openai',
        OPENAI_VERSIONS,
        undefined,
        undefined,
        files,
      ),
    ];
  }

  private configure(): void {
    const config = this.getConfig();
    const hashSetting = process.env.ELKHOUND_PROMPT_HASH?.trim().toLowerCase();
    const hashing =
      config.promptHash ??
      !(hashSetting === 'off' || hashSetting === 'false' || hashSetting === '0');
    this.hasher = hashing
      ? new PromptHasher(config.promptHashKey ?? process.env.ELKHOUND_PROMPT_HASH_KEY)
      : undefined;
    this.priceBook = config.pricing;
  }

  private pricing(): PriceBook | undefined {
    if (!this.priceBook) {
      try {
        this.priceBook = defaultPriceBook();
      } catch (error) {
        // A broken ELKHOUND_PRICING_FILE must not break the app: calls stay unpriced.
        diag.error(`elkhound: pricing disabled: ${(error as Error).message}`);
        return undefined;
      }
    }
    return this.priceBook;
  }

  private providerHosts(): Readonly<Record<string, string>> {
    const hosts: Record<string, string> = {};
    for (const entry of (process.env.ELKHOUND_PROVIDER_HOSTS ?? '').split(',')) {
      const [host, provider] = entry.split('=').map((part) => part.trim());
      if (host && provider) hosts[host] = provider;
    }
    return { ...hosts, ...this.getConfig().providerHosts };
  }
}
