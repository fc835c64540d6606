import pytest

from bank import BankAccount, InsufficientFundsError, SavingsAccount


def test_new_account():
    account = BankAccount("Ada")
    assert account.owner == "Ada"
    assert account.balance == 0
    assert account.history() == []
    assert BankAccount("Linus", 25).balance == 25


def test_deposit_and_withdraw():
    account = BankAccount("Ada")
    account.deposit(50)
    account.withdraw(20)
    assert account.balance == 30
    assert account.history() == [("deposit", 50), ("withdraw", 20)]


@pytest.mark.parametrize("amount", [0, -5])
def test_amounts_must_be_positive(amount):
    account = BankAccount("Ada", 10)
    with pytest.raises(ValueError):
        account.deposit(amount)
    with pytest.raises(ValueError):
        account.withdraw(amount)
    assert account.balance == 10
    assert account.history() == []


def test_cannot_withdraw_more_than_the_balance():
    account = BankAccount("Ada", 10)
    with pytest.raises(InsufficientFundsError):
        account.withdraw(11)
    assert account.balance == 10
    assert account.history() == []
    account.withdraw(10)
    assert account.balance == 0


def test_balance_is_read_only():
    account = BankAccount("Ada", 10)
    with pytest.raises(AttributeError):
        account.balance = 1_000_000
    assert account.balance == 10


def test_each_account_has_its_own_history():
    ada, linus = BankAccount("Ada"), BankAccount("Linus")
    ada.deposit(5)
    linus.deposit(7)
    assert ada.history() == [("deposit", 5)]
    assert linus.history() == [("deposit", 7)]


def test_history_cannot_be_changed_from_outside():
    account = BankAccount("Ada")
    account.deposit(5)
    account.history().append(("deposit", 1_000))
    assert account.history() == [("deposit", 5)]


def test_transfer():
    ada, linus = BankAccount("Ada", 100), BankAccount("Linus")
    ada.transfer_to(linus, 40)
    assert (ada.balance, linus.balance) == (60, 40)
    with pytest.raises(InsufficientFundsError):
        linus.transfer_to(ada, 41)
    assert (ada.balance, linus.balance) == (60, 40)


def test_repr():
    account = BankAccount("Ada")
    account.deposit(30)
    assert repr(account) == "BankAccount('Ada', balance=30)"


def test_savings_account():
    savings = SavingsAccount("Grace", 100, rate=0.05)
    assert isinstance(savings, BankAccount)
    savings.add_interest()
    assert savings.balance == pytest.approx(105)
    assert savings.history() == [("deposit", 5.0)]
    assert repr(savings).startswith("SavingsAccount('Grace', balance=")
    assert SavingsAccount("Edsger").rate == 0.02
    with pytest.raises(InsufficientFundsError):
        savings.withdraw(1_000)
