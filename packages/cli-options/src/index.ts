export { finiteNumber, integerOption, MAX_THREADS, nonNegativeNumber, threadCount } from './option-parsers.js';
