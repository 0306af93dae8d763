import { defineProject } from 'vitest/config';

export default defineProject({
  test: {
    name: 'keycloak',
    include: ['src/**/*.test.ts', 'emulator/**/*.test.ts', 'testing/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
  },
});
