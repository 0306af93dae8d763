import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    projects: [
      'packages/core',
      'packages/emulator-kit',
      'packages/okta',
      'packages/entra',
      'packages/keycloak',
      'packages/gate',
      'test',
    ],
    // Two cores: keep parallelism modest so emulator-backed suites do not starve each other.
    maxWorkers: 2,
  },
});
