// The one place where options and environment variables become the settings the recorder uses.
// A wrong value is reported with the key, the value and what was expected, and the default is
// used instead: a typo in an environment variable must not stop the application.
import { diag } from '@opentelemetry/api';
import type { PriceBook } from '@elkhound/pricing';
import { PromptHasher } from './prompt-hash';
import type { ContentDestination, GenAIInstrumentationConfig, RedactionHook } from './types';

export const DEFAULT_MAX_CONTENT_LENGTH = 16_384;
export const DEFAULT_STREAM_IDLE_TIMEOUT_MS = 300_000;
export const DEFAULT_ESTIMATE_TIMEOUT_MS = 100;

export interface ResolvedConfig {
  captureContent: boolean;
  contentOnSpan: boolean;
  contentOnEvent: boolean;
  redactBuiltIn: boolean;
  redact: RedactionHook | undefined;
  maxContentLength: number;
  hasher: PromptHasher | undefined;
  /** The configured PriceBook, or undefined for the process default (loaded on first use). */
  pricing: PriceBook | undefined;
  providerHosts: Readonly<Record<string, string>>;
  streamIdleTimeoutMs: number;
  openaiStreamUsage: boolean;
  estimateUsage: boolean;
  estimateTimeoutMs: number;
}

type Environment = Readonly<Record<string, string | undefined>>;

const DESTINATIONS: readonly ContentDestination[] = ['span', 'event', 'both'];
const HOST_PATTERN = /^[a-z0-9.-]+(:\d+)?$/i;
const PROVIDER_PATTERN = /^[a-z0-9_.]+$/;

/** Resolves the options over the environment; `problems` lists what was rejected. */
export function resolveConfig(
  config: GenAIInstrumentationConfig,
  environment: Environment = process.env,
): { settings: ResolvedConfig; problems: string[] } {
  const problems: string[] = [];
  const reject = (key: string, value: unknown, expected: string) =>
    problems.push(`${key}=${JSON.stringify(value)} is not valid: expected ${expected}`);

  // Content capture: the option wins; the variable feeds the default and may name a destination.
  let captureFromEnvironment = false;
  let destinationFromEnvironment: ContentDestination | undefined;
  const captureSetting = environment.OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT?.trim();
  if (captureSetting) {
    switch (captureSetting.toLowerCase()) {
      case 'true':
        captureFromEnvironment = true;
        break;
      case 'false':
      case 'no_content':
        break;
      case 'span_only':
        captureFromEnvironment = true;
        destinationFromEnvironment = 'span';
        break;
      case 'event_only':
        captureFromEnvironment = true;
        destinationFromEnvironment = 'event';
        break;
      case 'span_and_event':
        captureFromEnvironment = true;
        destinationFromEnvironment = 'both';
        break;
      default:
        reject(
          'OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT',
          captureSetting,
          'true, false, span_only, event_only, span_and_event or no_content',
        );
    }
  }
  let captureContent = captureFromEnvironment;
  if (config.captureMessageContent !== undefined) {
    if (typeof config.captureMessageContent === 'boolean')
      captureContent = config.captureMessageContent;
    else reject('captureMessageContent', config.captureMessageContent, 'a boolean');
  }
  let destination: ContentDestination = destinationFromEnvironment ?? 'span';
  if (config.contentDestination !== undefined) {
    if (DESTINATIONS.includes(config.contentDestination)) destination = config.contentDestination;
    else reject('contentDestination', config.contentDestination, "'span', 'event' or 'both'");
  }

  let redact: RedactionHook | undefined;
  if (config.redact !== undefined) {
    if (typeof config.redact === 'function') redact = config.redact;
    else reject('redact', typeof config.redact, 'a function (text, context) => string');
  }
  let redactBuiltIn = true;
  if (config.redactBuiltIn !== undefined) {
    if (typeof config.redactBuiltIn === 'boolean') redactBuiltIn = config.redactBuiltIn;
    else reject('redactBuiltIn', config.redactBuiltIn, 'a boolean');
  }

  const maxContentLength = positiveInteger(
    'maxContentLength',
    config.maxContentLength,
    DEFAULT_MAX_CONTENT_LENGTH,
    1,
    reject,
  );
  const streamIdleTimeoutMs = positiveInteger(
    'streamIdleTimeoutMs',
    config.streamIdleTimeoutMs,
    DEFAULT_STREAM_IDLE_TIMEOUT_MS,
    0,
    reject,
  );

  // Prompt hashes: on unless switched off; a key makes them HMACs.
  const switchOf = (variable: string, option: string, value: unknown): boolean => {
    let on = true;
    const setting = environment[variable]?.trim().toLowerCase();
    if (setting) {
      if (setting === 'off' || setting === 'false' || setting === '0') on = false;
      else if (setting !== 'on' && setting !== 'true' && setting !== '1')
        reject(variable, setting, 'on or off');
    }
    if (value !== undefined) {
      if (typeof value === 'boolean') on = value;
      else reject(option, value, 'a boolean');
    }
    return on;
  };
  const hashing = switchOf('ELKHOUND_PROMPT_HASH', 'promptHash', config.promptHash);
  const openaiStreamUsage = switchOf(
    'ELKHOUND_OPENAI_STREAM_USAGE',
    'openaiStreamUsage',
    config.openaiStreamUsage,
  );
  const estimateUsage = switchOf('ELKHOUND_USAGE_ESTIMATE', 'estimateUsage', config.estimateUsage);
  let estimateTimeoutMs = DEFAULT_ESTIMATE_TIMEOUT_MS;
  const timeoutSetting = environment.ELKHOUND_USAGE_ESTIMATE_TIMEOUT_MS?.trim();
  if (timeoutSetting) {
    if (/^\d+$/.test(timeoutSetting)) estimateTimeoutMs = Number(timeoutSetting);
    else reject('ELKHOUND_USAGE_ESTIMATE_TIMEOUT_MS', timeoutSetting, 'an integer >= 0');
  }
  estimateTimeoutMs = positiveInteger(
    'estimateTimeoutMs',
    config.estimateTimeoutMs,
    estimateTimeoutMs,
    0,
    reject,
  );
  let hashKey = environment.ELKHOUND_PROMPT_HASH_KEY || undefined;
  if (config.promptHashKey !== undefined) {
    if (typeof config.promptHashKey === 'string' && config.promptHashKey.length > 0)
      hashKey = config.promptHashKey;
    else reject('promptHashKey', '(hidden)', 'a non-empty string');
  }

  let pricing: PriceBook | undefined;
  if (config.pricing !== undefined) {
    if (
      typeof config.pricing === 'object' &&
      config.pricing !== null &&
      typeof config.pricing.price === 'function'
    )
      pricing = config.pricing;
    else reject('pricing', typeof config.pricing, 'a PriceBook from @elkhound/pricing');
  }

  const providerHosts: Record<string, string> = {};
  const hostsSetting = environment.ELKHOUND_PROVIDER_HOSTS?.trim();
  if (hostsSetting) {
    for (const entry of hostsSetting.split(',')) {
      if (!entry.trim()) continue;
      const separator = entry.indexOf('=');
      const host = entry.slice(0, separator).trim().toLowerCase();
      const provider = entry.slice(separator + 1).trim();
      if (separator < 0 || !HOST_PATTERN.test(host) || !PROVIDER_PATTERN.test(provider))
        reject('ELKHOUND_PROVIDER_HOSTS', entry.trim(), 'host=provider, e.g. llm.example=openai');
      else providerHosts[host] = provider;
    }
  }
  if (config.providerHosts !== undefined) {
    if (typeof config.providerHosts === 'object' && config.providerHosts !== null) {
      for (const [host, provider] of Object.entries(config.providerHosts)) {
        if (typeof provider === 'string' && PROVIDER_PATTERN.test(provider))
          providerHosts[host.toLowerCase()] = provider;
        else reject(`providerHosts[${host}]`, provider, 'a provider name such as openai or groq');
      }
    } else reject('providerHosts', config.providerHosts, 'an object of host → provider name');
  }

  return {
    settings: {
      captureContent,
      contentOnSpan: captureContent && destination !== 'event',
      contentOnEvent: captureContent && destination !== 'span',
      redactBuiltIn,
      redact,
      maxContentLength,
      hasher: hashing ? new PromptHasher(hashKey) : undefined,
      pricing,
      providerHosts,
      streamIdleTimeoutMs,
      openaiStreamUsage,
      estimateUsage,
      estimateTimeoutMs,
    },
    problems,
  };
}

function positiveInteger(
  key: string,
  value: unknown,
  fallback: number,
  minimum: number,
  reject: (key: string, value: unknown, expected: string) => void,
): number {
  if (value === undefined) return fallback;
  if (typeof value === 'number' && Number.isInteger(value) && value >= minimum) return value;
  reject(key, value, `an integer >= ${minimum}`);
  return fallback;
}

/** Resolves and reports what was rejected through diag. */
export function resolveAndReport(config: GenAIInstrumentationConfig): ResolvedConfig {
  const { settings, problems } = resolveConfig(config);
  for (const problem of problems) diag.error(`elkhound: ${problem}; using the default`);
  return settings;
}
