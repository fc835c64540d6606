/** A withdrawal larger than the balance. */
class InsufficientFundsError extends Error {
  constructor(balance, requested) {
    super(`cannot withdraw ${requested} from a balance of ${balance}`);
    this.name = 'InsufficientFundsError';
    this.balance = balance;
    this.requested = requested;
  }
}

/** A bank account. */
class BankAccount {
  deposit(amount) {}

  withdraw(amount) {}
}

module.exports = { BankAccount, InsufficientFundsError };
