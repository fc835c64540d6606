/// Why a deposit or a withdrawal was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AccountError {
    ZeroAmount,
    InsufficientFunds { balance: u64, requested: u64 },
}

/// A bank account; amounts are in cents.
#[derive(Debug, Default)]
pub struct Account {
    balance: u64,
}

impl Account {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn balance(&self) -> u64 {
        self.balance
    }

    /// Adds `amount`; returns the new balance.
    pub fn deposit(&mut self, amount: u64) -> Result<u64, AccountError> {
        if amount == 0 {
            return Err(AccountError::ZeroAmount);
        }
        self.balance += amount;
        Ok(self.balance)
    }

    /// Takes `amount` out; returns the new balance.
    pub fn withdraw(&mut self, amount: u64) -> Result<u64, AccountError> {
        if amount == 0 {
            return Err(AccountError::ZeroAmount);
        }
        if amount > self.balance {
            return Err(AccountError::InsufficientFunds { balance: self.balance, requested: amount });
        }
        self.balance -= amount;
        Ok(self.balance)
    }
}
