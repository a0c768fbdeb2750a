import { defineConfig } from '@playwright/test';

// The server under test: scripts start a fresh Kinmu on an empty database and set this.
// A trailing slash makes relative paths ('./login') stay under a base path such as /kinmu.
const baseURL = (process.env.KINMU_E2E_URL ?? 'http://127.0.0.1:18080').replace(/\/?$/, '/');

export default defineConfig({
  testDir: './tests',
  outputDir: './test-results',
  // The tests tell one story on one database (setup runs once): run them in order.
  fullyParallel: false,
  workers: 1,
  retries: 0,
  timeout: 60_000,
  expect: { timeout: 10_000 },
  reporter: [['list'], ['html', { open: 'never', outputFolder: 'playwright-report' }]],
  use: {
    baseURL,
    locale: 'en-US',
    timezoneId: 'Asia/Tokyo',
    screenshot: 'on',
    trace: 'retain-on-failure',
    launchOptions: {
      executablePath: '/usr/bin/chromium',
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--no-first-run',
        '--disable-quic',
      ],
    },
  },
});
