"""Lesson: classes (one history list shared by all accounts)."""


class InsufficientFundsError(Exception):
    """A withdrawal larger than the balance."""


class BankAccount:
    _history = []  # in the class body: one list for every account

    def __init__(self, owner, balance=0):
        self.owner = owner
        self._balance = balance

    @property
    def balance(self):
        return self._balance

    def deposit(self, amount):
        if amount <= 0:
            raise ValueError(f"deposit must be positive, got {amount}")
        self._balance += amount
        self._history.append(("deposit", amount))

    def withdraw(self, amount):
        if amount <= 0:
            raise ValueError(f"withdrawal must be positive, got {amount}")
        if amount > self._balance:
            raise InsufficientFundsError(f"{self.owner} has {self._balance}, cannot withdraw {amount}")
        self._balance -= amount
        self._history.append(("withdraw", amount))

    def transfer_to(self, other, amount):
        self.withdraw(amount)
        other.deposit(amount)

    def history(self):
        return list(self._history)

    def __repr__(self):
        return f"{type(self).__name__}({self.owner!r}, balance={self._balance})"


class SavingsAccount(BankAccount):
    def __init__(self, owner, balance=0, rate=0.02):
        super().__init__(owner, balance)
        self.rate = rate

    def add_interest(self):
        interest = round(self.balance * self.rate, 2)
        if interest > 0:
            self.deposit(interest)
