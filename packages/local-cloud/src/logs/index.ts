export { compileFilterPattern } from './filter-pattern.ts';
export { LogStore, type LogStoreOptions } from './store.ts';
