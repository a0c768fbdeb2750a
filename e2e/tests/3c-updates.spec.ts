import { expect, test } from '@playwright/test';
import { admin, ensureSetUp, isHome, login } from './fixtures';

/** A desktop client as the server sees it: it checks in and reports an update's steps. */
async function clientUpdates(request: import('@playwright/test').APIRequestContext) {
  const headers = { 'x-kinmu-request': '1' };
  const hello = await request.post('api/v1/updates/check', {
    headers,
    data: { client_id: 'e2e-client-0001', host: 'PC-RECEPTION', user: 'OSAKA\\sato', program: 'app', version: '1.0' },
  });
  expect(hello.ok()).toBeTruthy();
  const secret = (await hello.json()).client_secret as string;
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
