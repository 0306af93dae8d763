import { defineConfig } from 'vitest/config';
import { findChromium } from './scripts/test-setup.mjs';

// The browser tests launch the Chromium that `npm test`'s set-up found or installed; test workers inherit
// this process's environment.
process.env.CHROMIUM_PATH ??= findChromium() ?? '';

export default defineConfig({
  test: {
    projects: [
      'packages/core',
      'packages/emulator-kit',
      'packages/okta',
      'packages/entra',
      'packages/keycloak',
      'packages/idv',
      'packages/gate',
      'test',
    ],
    // Two cores: keep parallelism modest so emulator-backed suites do not starve each other.
    maxWorkers: 2,
  },
});
