// Kept for the package's `./fake-provider` export: the fake providers live in fake-provider/.
export * from './fake-provider/index';
