// Jest's globals (describe, test, expect) come from `node --require practica-jest-globals`. The learner's
// module is loaded inside each test, from the working directory (the workspace): a syntax error in it
// fails each test with its file and line.
const path = require('node:path');

const lesson = () => require(path.join(process.cwd(), 'bankAccount.js'));
const newAccount = () => new (lesson().BankAccount)();

describe('BankAccount', () => {
  test('starts with a balance of 0', () => {
    expect(newAccount().balance).toBe(0);
  });

  test('deposits add up and return the balance', () => {
    const account = newAccount();
    expect(account.deposit(500)).toBe(500);
    expect(account.deposit(250)).toBe(750);
    expect(account.balance).toBe(750);
  });

  test('withdrawals take from the balance', () => {
    const account = newAccount();
    account.deposit(500);
    expect(account.withdraw(200)).toBe(300);
    expect(account.withdraw(300)).toBe(0);
  });

  test('refuses a withdrawal larger than the balance, changing nothing', () => {
    const { InsufficientFundsError } = lesson();
    const account = newAccount();
    account.deposit(100);
    let thrown;
    try {
      account.withdraw(101);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(InsufficientFundsError);
    expect(thrown).toMatchObject({ balance: 100, requested: 101 });
    expect(account.balance).toBe(100);
  });

  for (const amount of [0, -5, Number.NaN]) {
    test(`refuses the amount ${amount} with a RangeError`, () => {
      const account = newAccount();
      account.deposit(10);
      expect(() => account.deposit(amount)).toThrow(RangeError);
      expect(() => account.withdraw(amount)).toThrow(RangeError);
      expect(account.balance).toBe(10);
    });
  }

  test('the balance cannot be assigned', () => {
    'use strict';
    const account = newAccount();
    account.deposit(10);
    try {
      account.balance = 1000000;
    } catch {
      // a getter without a setter throws in strict code: either way the balance stays
    }
    expect(account.balance).toBe(10);
  });
});
