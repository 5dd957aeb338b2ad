import { diag } from '@opentelemetry/api';
import { defaultPriceBook, type PriceBook } from '@elkhound/pricing';

/**
 * The bundled prices with ELKHOUND_PRICING_FILE's overrides, loaded on first use, for whoever
 * prices in this package (the instrumentation, the cost processor). A broken pricing file must not
 * break the app: it is reported once and calls stay unpriced.
 */
export class DefaultPricing {
  private book: PriceBook | undefined;
  private failed = false;

  get(): PriceBook | undefined {
    if (!this.book && !this.failed) {
      try {
        this.book = defaultPriceBook();
      } catch (error) {
        this.failed = true;
        diag.error(`elkhound: pricing disabled: ${(error as Error).message}`);
      }
    }
    return this.book;
  }
}
