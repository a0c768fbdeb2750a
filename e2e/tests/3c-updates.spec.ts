import { execFileSync } from 'node:child_process';
import { expect, test } from '@playwright/test';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { admin, ensureSetUp, isHome, login } from './fixtures';

/** Runs the `kinmu` command on the server's data (scripts/test says where both are). */
function kinmu(...args: string[]): string {
  const bin = process.env.KINMU_E2E_KINMU;
  const dataDir = process.env.KINMU_E2E_DATA_DIR;
  if (!bin || !dataDir) {
    throw new Error('KINMU_E2E_KINMU and KINMU_E2E_DATA_DIR must name the kinmu binary and the server\'s data folder (scripts/test sets them)');
  }
  return execFileSync(bin, ['--data-dir', dataDir, ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

/** Release 1.1 of windows-x86_64, published (once: a rerun on the same data finds it) and not offered. */
function publishRelease(work: string) {
  if (kinmu('release', 'list', '--format', 'csv').includes('1.1,windows-x86_64,')) return;
  mkdirSync(join(work, 'release', 'ui'), { recursive: true });
  writeFileSync(join(work, 'release', 'kinmu-desktop.exe'), 'Kinmu desktop 1.1');
  writeFileSync(join(work, 'release', 'ui', 'app.js'), "console.log('Kinmu 1.1')");
  try {
    kinmu('release', 'keys', 'init', '--root-key', join(work, 'root.key'));
  } catch {
    // The repository has its keys already (an earlier run on this data).
  }
  kinmu('release', 'publish', join(work, 'release'), '--version', '1.1', '--platform', 'windows-x86_64');
}

/** A desktop client as the server sees it: it checks in and reports an update's steps. */
async function clientUpdates(request: import('@playwright/test').APIRequestContext) {
  const headers = { 'x-kinmu-request': '1' };
  const hello = await request.post('api/v1/updates/check', {
    headers,
    data: {
      client_id: 'e2e-client-0001',
      host: 'PC-RECEPTION',
      user: 'OSAKA\\sato',
      program: 'app',
      platform: 'windows-x86_64',
      version: '1.0',
    },
  });
  expect(hello.ok(), await hello.text()).toBeTruthy();
  const answer = await hello.json();
  // The release offered for the client's platform.
  expect(answer.offered_version).toBe('1.1');
  const secret = answer.client_secret as string;
  const report = (n: number, event: object) =>
    request.post('api/v1/updates/events', {
      headers,
      data: {
        client_id: 'e2e-client-0001',
        client_secret: secret,
        request_id: `e2e-client-0001-${n}`,
        module: 'ui',
        install_kind: 'differential',
        from_version: '1.0',
        to_version: '1.1',
        event,
      },
    });
  for (const [n, event] of [
    [1, { kind: 'download_started' }],
    [2, { kind: 'warning', category: 'download_error_ignored', reason: 'help/ja.html missing on the server' }],
    [3, { kind: 'started_healthy' }],
  ] as const) {
    expect((await report(n, event)).ok()).toBeTruthy();
  }
}

test('client updates: the policy needs the password again; clients, records and log are shown', async ({ page }, testInfo) => {
  await ensureSetUp(page);
  publishRelease(testInfo.outputPath('release-work'));
  await page.goto('./login');
  await login(page, admin.login, admin.password);
  await expect(page).toHaveURL(isHome);
  await page.getByTestId('nav-updates').click();
  await expect(page.getByRole('heading', { name: 'Client updates', level: 1 })).toBeVisible();
  await expect(page.getByLabel('Concurrency limit')).toHaveValue('15');

  // By keyboard: the mode, a message, then save without the password: refused at the password.
  await page.getByLabel('Start-up mode').focus();
  await page.getByLabel('Start-up mode').selectOption('optional');
  await page.getByLabel('Message from the administrator').fill('Version 1.1 is out: please update today.');
  await page.getByLabel('Your password (again, to confirm)').focus();
  await page.keyboard.press('Enter');
  await expect(page.getByTestId('password-error')).toBeVisible();
  await page.getByLabel('Your password (again, to confirm)').fill('not-the-password');
  await page.keyboard.press('Enter');
  await expect(page.getByTestId('password-error')).toContainText('wrong');
  await page.getByLabel('Your password (again, to confirm)').fill(admin.password);
  await page.keyboard.press('Enter');
  await expect(page.getByRole('status')).toContainText('Saved');
  await expect(page.getByLabel('Your password (again, to confirm)')).toHaveValue('');
  await page.reload();
  await expect(page.getByLabel('Start-up mode')).toHaveValue('optional');
  await expect(page.getByLabel('Message from the administrator')).toHaveValue('Version 1.1 is out: please update today.');

  // The releases: 1.1 of windows-x86_64 is published, not offered; offered by keyboard.
  const releases = page.getByTestId('updates-releases');
  const row = releases.locator('tr', { hasText: 'windows-x86_64' }).filter({ hasText: '1.1' });
  await expect(row).toBeVisible();
  if (await row.getByTestId('release-offer').isVisible()) {
    await expect(page.getByTestId('updates-offered')).not.toContainText('windows-x86_64 1.1');
    await row.getByTestId('release-offer').focus();
    await page.keyboard.press('Enter');
  }
  await expect(row.getByTestId('release-state')).toHaveText('Offered');
  await expect(page.getByTestId('updates-offered')).toContainText('windows-x86_64 1.1');
  await page.reload();
  await expect(row.getByTestId('release-state')).toHaveText('Offered');

  // A client checks in and updates with a warning: it appears in the list, its record ends "Abnormal".
  await clientUpdates(page.request);
  await expect(page.getByTestId('updates-clients')).toContainText('PC-RECEPTION');
  await page.getByTestId('records-search').click();
  await expect(page.getByTestId('updates-records').getByTestId('record-result')).toHaveText('Abnormal');
  await page.reload();
  await expect(page.getByTestId('updates-log')).toContainText('download error, ignored');
  const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('records-csv').click()]);
  expect(download.suggestedFilename()).toBe('update-records.csv');
  const text = await (await download.createReadStream()).toArray().then((c) => Buffer.concat(c).toString('utf8'));
  expect(text).toContain('PC-RECEPTION');
  await page.screenshot({ path: testInfo.outputPath('client-updates.png'), fullPage: true });

  // In Japanese: the page and the server's answer to a wrong password.
  await page.getByTestId('language-switch').click();
  try {
    await expect(page.getByRole('heading', { name: 'クライアント更新', level: 1 })).toBeVisible();
    await expect(page.getByRole('heading', { name: 'リリース', level: 2 })).toBeVisible();
    await expect(row.getByTestId('release-state')).toHaveText('配信中');
    await expect(page.getByTestId('updates-records').getByTestId('record-result')).toHaveText('異常終了');
    await expect(page.getByTestId('updates-log')).toContainText('ダウンロードエラー（無視続行）');
    await expect(page.getByTestId('updates-records')).toContainText('差分アップデート');
    await page.getByLabel('パスワード(確認のため再入力)').fill('not-the-password');
    await page.keyboard.press('Enter');
    await expect(page.getByTestId('password-error')).toHaveText('パスワードが違います。何も変更していません。');
    await page.screenshot({ path: testInfo.outputPath('client-updates-ja.png'), fullPage: true });
  } finally {
    // The other tests expect the administrator to read English.
    if ((await page.locator('html').getAttribute('lang')) === 'ja') await page.getByTestId('language-switch').click();
  }
});
