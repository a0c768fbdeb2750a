import { expect, test } from '@playwright/test';
import { admin } from './fixtures';
import { kato, prepareAttendance } from './attendance-data';

// One language at a time: a Japanese user reads the server's messages, the calendars' weekdays
// and the heat map's legend in Japanese, and switching back to English changes them at once.
test('a Japanese user sees no English: server errors, calendar and legend', async ({ page }, testInfo) => {
  await prepareAttendance(page);
  await page.getByTestId('language-switch').click();
  await expect(page.getByTestId('nav-users')).toHaveText('ユーザー');

  try {
    // A server-side error (the login is taken), in Japanese, naming the field by its label.
    await page.getByTestId('nav-users').click();
    await page.getByTestId('user-new').click();
    const dialog = page.getByTestId('user-dialog');
    await dialog.getByLabel('ログイン名', { exact: true }).fill(admin.login);
    await dialog.getByLabel('表示名').fill('二人目の管理者');
    await dialog.getByLabel('パスワード', { exact: true }).fill('Blue-Window-77');
    await dialog.getByTestId('user-save').click();
    const error = dialog.getByTestId('login-error');
    await expect(error).toHaveText(`ログイン名「${admin.login}」はすでに使われています。別の名前にしてください。`);
    await expect(dialog).not.toContainText(/already|taken|login/);
    await error.scrollIntoViewIfNeeded();
    await page.screenshot({ path: testInfo.outputPath('error-in-japanese.png') });
    await dialog.getByRole('button', { name: 'キャンセル' }).click();

    // The heat map: weekday headings and legend in Japanese.
    await page.getByTestId('nav-attendance').click();
    await page.getByTestId('att-month-prev').click();
    const heat = page.locator('.agr-person', { hasText: kato.name }).getByTestId('heat-map');
    await expect(heat.locator('text.wd')).toHaveText(['月', '火', '水', '木', '金', '土', '日']);
    await expect(heat.locator('.legend')).toContainText('6時間未満');
    await expect(heat.locator('.legend')).not.toContainText(/ h\b|under|holiday/);
    await page.screenshot({ path: testInfo.outputPath('heat-map-in-japanese.png'), fullPage: true });

    // Back to English: the same calendar follows at once.
    await page.getByTestId('language-switch').click();
    await expect(heat.locator('text.wd')).toHaveText(['M', 'T', 'W', 'T', 'F', 'S', 'S']);
    await expect(heat.locator('.legend')).toContainText('under 6 h');
  } finally {
    // The other tests expect the administrator to read English.
    if ((await page.locator('html').getAttribute('lang')) === 'ja') await page.getByTestId('language-switch').click();
  }
});
