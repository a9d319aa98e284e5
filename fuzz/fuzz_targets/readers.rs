//! Every import reader on arbitrary bytes: CSV, XLSX and OneRoster zips, by detection and
//! forced. Reading may fail; it must never panic, hang or run out of memory.
#![no_main]

use std::io::Cursor;

use homeroom::import::{
    Format, OneRosterPackage, ReadLimits, ReadOptions, read, read_csv, read_xlsx,
};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|bytes: &[u8]| {
    let options = ReadOptions::default().with_limits(
        ReadLimits::default()
            .with_max_rows(10_000)
            .with_max_unpacked_bytes(64 * 1024 * 1024),
    );
    let _ = read(bytes, "upload", &options);
    let _ = read_csv(bytes, "x.csv", &options);
    let _ = read_xlsx(Cursor::new(bytes), "x.xlsx", &options);
    if let Ok(package) = OneRosterPackage::from_zip(Cursor::new(bytes), &options.limits) {
        let _ = package.read(&options);
    }
    let _ = read(bytes, "x", &options.clone().with_format(Format::OneRoster));
});
