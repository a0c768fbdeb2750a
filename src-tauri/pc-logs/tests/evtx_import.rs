//! The EVTX importer on real Windows Security logs (`../shared/data/evtx`, see its README).

use std::fs::File;
use std::io::Cursor;
use std::path::PathBuf;

use kinmu_pc_logs::LogEvent;
use kinmu_pc_logs::import::evtx::EvtxReader;
use kinmu_pc_logs::import::format::{LogFormat, read_events};

fn data_dir() -> PathBuf {
    // The crate is at <root>/src-tauri/pc-logs; shared/ is beside the repository root.
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../..");
    for dir in [root.join("shared/data/evtx"), PathBuf::from("/work/shared/data/evtx")] {
        if dir.is_dir() {
            return dir;
        }
    }
    panic!("the shared EVTX samples are missing (expected ../shared/data/evtx beside the repository)");
}

fn read(name: &str) -> Vec<LogEvent> {
    let file = File::open(data_dir().join(name)).unwrap();
    EvtxReader::new(file, name).map(|r| r.unwrap_or_else(|e| panic!("{e}"))).collect()
}

fn count(events: &[LogEvent], op: &str) -> usize {
    events.iter().filter(|e| e.operation == op).count()
}

#[test]
fn reads_every_logon_and_logoff_of_the_samples() {
    for (name, logons, logoffs) in [
        ("CA_4624_4625_LogonType2_LogonProc_chrome.evtx", 3, 0),
        ("DE_RDP_Tunneling_4624.evtx", 18, 0),
        ("LM_WMI_4624_4688_TargetHost.evtx", 6, 0),
        ("NTLM2SelfRelay-med0x2e-security_4624_4688.evtx", 4, 1),
    ] {
        let events = read(name);
        assert_eq!(count(&events, "LOGON"), logons, "{name}");
        assert_eq!(count(&events, "LOGOFF"), logoffs, "{name}");
        for e in &events {
            assert!(e.user.contains('\\') || e.user == "SYSTEM", "{name}: user {:?}", e.user);
            assert!(!e.host.is_empty(), "{name}: host");
            assert!(e.time.timestamp() > 1_400_000_000, "{name}: time {}", e.time);
            if e.operation == "LOGON" || e.operation == "LOGOFF" {
                assert!(e.detail.get("LogonType").is_some_and(|t| t.parse::<u32>().is_ok()), "{name}: {:?}", e.detail);
            }
            assert_eq!(&*e.source.file, name);
        }
    }
}

#[test]
fn keeps_the_interactive_logon_of_the_chrome_sample() {
    let events = read("CA_4624_4625_LogonType2_LogonProc_chrome.evtx");
    let interactive: Vec<_> = events.iter().filter(|e| e.detail.get("LogonType") == Some("2")).collect();
    assert!(!interactive.is_empty(), "{events:#?}");
    eprintln!("{interactive:#?}");
}

#[test]
fn a_file_cut_short_yields_the_records_before_the_cut_and_an_error() {
    let name = "DE_RDP_Tunneling_4624.evtx";
    let bytes = std::fs::read(data_dir().join(name)).unwrap();
    let whole: Vec<_> = EvtxReader::new(Cursor::new(bytes.clone()), name).collect();
    assert!(whole.iter().all(Result::is_ok));
    // Cut inside the last chunk, after its last record (in its free space): every record of
    // the whole part is kept (the reader used to drop the partial chunk whole).
    let cut = bytes.len() - 1000;
    let results: Vec<_> = EvtxReader::new(Cursor::new(bytes[..cut].to_vec()), name).collect();
    let (ok, err): (Vec<_>, Vec<_>) = results.iter().partition(|r| r.is_ok());
    assert_eq!(ok.len(), whole.len(), "{} of {}", ok.len(), whole.len());
    assert_eq!(err.len(), 1);
    let e = err[0].as_ref().unwrap_err();
    assert!(e.reason.contains("cut short"), "{e}");
    assert!(results.last().unwrap().is_err(), "the error comes after the records");
}

#[test]
fn detected_by_content_and_not_evtx_is_one_error() {
    let name = "NTLM2SelfRelay-med0x2e-security_4624_4688.evtx";
    let file = File::open(data_dir().join(name)).unwrap();
    let events: Vec<_> = read_events(file, name, None, chrono_tz::Asia::Tokyo).unwrap().collect();
    assert_eq!(events.len(), 5);
    let bad: Vec<_> = EvtxReader::new(Cursor::new(b"not an event log".to_vec()), "x.evtx").collect();
    assert_eq!(bad.len(), 1);
    assert!(bad[0].as_ref().unwrap_err().reason.contains("not an EVTX"));
    let forced: Vec<_> = read_events(Cursor::new(b"ElfFile\0".to_vec()), "y", Some(LogFormat::Evtx), chrono_tz::UTC).unwrap().collect();
    assert!(forced.iter().all(Result::is_err));
}
