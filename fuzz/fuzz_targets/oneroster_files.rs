//! A OneRoster package given as files (a folder): the input is split on NUL bytes into
//! manifest.csv, orgs.csv, users.csv and roles.csv, so the fuzzer can shape each file.
#![no_main]

use homeroom::import::{OneRosterPackage, ReadOptions};
use libfuzzer_sys::fuzz_target;

const NAMES: [&str; 4] = ["manifest.csv", "orgs.csv", "users.csv", "roles.csv"];

fuzz_target!(|bytes: &[u8]| {
    let files = bytes
        .split(|&b| b == 0)
        .zip(NAMES)
        .map(|(content, name)| (name, content.to_vec()));
    let package = OneRosterPackage::from_files(files);
    let _ = package.read(&ReadOptions::default());
});
