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
  #balance = 0;

  get balance() {
    return this.#balance;
  }

  deposit(amount) {
    checkAmount(amount);
    this.#balance += amount;
    return this.#balance;
  }

  withdraw(amount) {
    checkAmount(amount);
    this.#balance -= amount;
    return this.#balance;
  }
}

function checkAmount(amount) {
  if (typeof amount !== 'number' || !(amount > 0)) throw new RangeError(`amount must be positive, not ${amount}`);
}

module.exports = { BankAccount, InsufficientFundsError };
