"""Lesson: classes. Fill in the methods."""


class InsufficientFundsError(Exception):
    """A withdrawal larger than the balance."""


class BankAccount:
    def __init__(self, owner, balance=0):
        raise NotImplementedError

    # TODO: a read-only `balance` property

    def deposit(self, amount):
        raise NotImplementedError

    def withdraw(self, amount):
        raise NotImplementedError

    def transfer_to(self, other, amount):
        raise NotImplementedError

    def history(self):
        raise NotImplementedError

    def __repr__(self):
        raise NotImplementedError


class SavingsAccount(BankAccount):
    def __init__(self, owner, balance=0, rate=0.02):
        raise NotImplementedError

    def add_interest(self):
        raise NotImplementedError
