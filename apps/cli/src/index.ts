export { sampleMain } from './sample-main.js';
