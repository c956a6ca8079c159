import { createCloseStack } from '../src/close-stack';

describe('createCloseStack', () => {
  test('closes last started first, once, passing the close code', async () => {
    const stack = createCloseStack();
    const closed: string[] = [];
    for (const name of ['storage', 'bus', 'chat server', 'listener']) stack.push(name, (code) => void closed.push(`${name}:${code}`));
    const first = stack.closeAll(1012);
    expect(stack.closeAll(1001)).toBe(first);
    await first;
    expect(closed).toEqual(['listener:1012', 'chat server:1012', 'bus:1012', 'storage:1012']);
  });

  test('a part that fails to close does not keep the rest open; the first failure is reported', async () => {
    const stack = createCloseStack();
    const closed: string[] = [];
    stack.push('storage', () => void closed.push('storage'));
    stack.push('bus', () => Promise.reject(new Error('socket gone')));
    stack.push('listener', async () => void closed.push('listener'));
    await expect(stack.closeAll(1001)).rejects.toThrow('closing bus failed: socket gone');
    expect(closed).toEqual(['listener', 'storage']);
  });
});
