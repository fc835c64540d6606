use lesson::{Account, AccountError};

#[test]
fn a_new_account_is_empty() {
    assert_eq!(Account::new().balance(), 0);
}

#[test]
fn deposits_add_up() {
    let mut account = Account::new();
    assert_eq!(account.deposit(500), Ok(500));
    assert_eq!(account.deposit(250), Ok(750));
    assert_eq!(account.balance(), 750);
}

#[test]
fn withdrawals_take_from_the_balance() {
    let mut account = Account::new();
    account.deposit(500).unwrap();
    assert_eq!(account.withdraw(200), Ok(300));
    assert_eq!(account.withdraw(300), Ok(0));
}

#[test]
fn a_withdrawal_larger_than_the_balance_is_refused() {
    let mut account = Account::new();
    account.deposit(100).unwrap();
    assert_eq!(account.withdraw(101), Err(AccountError::InsufficientFunds { balance: 100, requested: 101 }));
    assert_eq!(account.balance(), 100, "a refused withdrawal changed the balance");
}

#[test]
fn zero_amounts_are_refused() {
    let mut account = Account::new();
    assert_eq!(account.deposit(0), Err(AccountError::ZeroAmount));
    account.deposit(10).unwrap();
    assert_eq!(account.withdraw(0), Err(AccountError::ZeroAmount));
    assert_eq!(account.balance(), 10);
}
