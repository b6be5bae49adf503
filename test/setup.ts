// Runs before each test file (vitest.config.ts setupFiles): with shared modules (isolate: false) test/helpers.ts is
// evaluated once per worker, so its per-file cleanup is registered here, for every file.
import { afterAll } from 'vitest';
import { releaseTestResources } from './helpers.js';

afterAll(releaseTestResources);
