export { blobName, ensureBlob, BlobMismatchError, type DownloadProgress, type RemoteFile } from './blob-download.js';
export { COMMIT_HASH, HubRepoCache } from './hub-cache.js';
export { readHubEnvironment, type HubEnvironment } from './hub-environment.js';
export { HubError } from './hub-errors.js';
export { formatHubReference, isHubReference, parseHubReference, HUB_PREFIX, type HubReference } from './hub-reference.js';
export { describeCacheVerification, resolveHubModel, type CacheVerification, type ResolvedHubModel, type ResolveHubOptions } from './resolve-hub-model.js';
