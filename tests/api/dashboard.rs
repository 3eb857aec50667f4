//! `/dashboard` against fixtures the tests write.
