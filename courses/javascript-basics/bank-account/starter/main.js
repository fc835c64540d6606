const { BankAccount } = require('./bankAccount');

const account = new BankAccount();
console.log('deposit 500 ->', account.deposit(500));
console.log('withdraw 200 ->', account.withdraw(200));
try {
  account.withdraw(1000);
} catch (error) {
  console.log('withdraw 1000 ->', error.name, error.message);
}
