export { HUGE, byteMutations, mutate, position } from './bytes.js';
export { jsonMutations, mutateJson, type Json } from './json.js';
export { expectTypedOutcome, expectTypedOutcomeAsync, fuzz, fuzzAsync, timed, type AllowedErrors } from './harness.js';
export { applyJsonTextSteps, jsonTextSteps, type JsonTextStep } from './json-text.js';
