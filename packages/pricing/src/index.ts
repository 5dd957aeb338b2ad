export { PriceBook, defaultPriceBook } from './price-book';
export {
  PricingConfigError,
  type Cost,
  type PriceQuery,
  type UnpricedReason,
  type Usage,
} from './types';
export { PRICE_DATA_PROVIDERS } from './providers';
