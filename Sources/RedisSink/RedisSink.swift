import CDCCore

// The Redis sink (hiredis) lives in this module.
