export { fixText } from './ftfy-fix-text.js';
