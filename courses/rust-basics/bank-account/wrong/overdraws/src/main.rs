use lesson::Account;

fn main() {
    let mut account = Account::new();
    println!("deposit 500: {:?}", account.deposit(500));
    println!("withdraw 200: {:?}", account.withdraw(200));
    println!("withdraw 1000: {:?}", account.withdraw(1000));
    println!("withdraw 0: {:?}", account.withdraw(0));
    println!("balance: {}", account.balance());
}
