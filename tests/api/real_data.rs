//! Tests on the real Kaggle data set in ../shared/data/kaggle-crypto.
