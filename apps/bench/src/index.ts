export { benchMain } from './bench-main.js';
