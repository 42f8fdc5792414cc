//! [`ByScope`]: a service's state partitioned by (account, region), as the real cloud
//! partitions it.

use std::collections::HashMap;

/// State per (account id, region).
#[derive(Debug)]
pub struct ByScope<T> {
    scopes: HashMap<(String, String), T>,
}

impl<T> Default for ByScope<T> {
    fn default() -> Self {
        Self {
            scopes: HashMap::new(),
        }
    }
}

impl<T: Default> ByScope<T> {
    /// The state of one account in one region, if it has any.
    pub fn get(&self, account: &str, region: &str) -> Option<&T> {
        self.scopes.get(&(account.to_owned(), region.to_owned()))
    }

    /// The state of one account in one region, created empty if needed.
    pub fn get_mut(&mut self, account: &str, region: &str) -> &mut T {
        self.scopes
            .entry((account.to_owned(), region.to_owned()))
            .or_default()
    }

    /// Every (account, region) with its state.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &str, &T)> {
        self.scopes
            .iter()
            .map(|((a, r), t)| (a.as_str(), r.as_str(), t))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scopes_are_separate() {
        let mut s: ByScope<Vec<u8>> = ByScope::default();
        s.get_mut("111111111111", "us-east-1").push(1);
        s.get_mut("222222222222", "us-east-1").push(2);
        assert_eq!(s.get("111111111111", "us-east-1"), Some(&vec![1]));
        assert_eq!(s.get("111111111111", "eu-west-1"), None);
        assert_eq!(s.iter().count(), 2);
    }
}
