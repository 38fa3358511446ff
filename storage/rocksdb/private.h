#pragma once
// storage/rocksdb/ is private to storage: engine, api and tools know the log through storage/event_log.h
// only. The build enforces it: only targets that cmake marks with thidua_storage_internals() (the storage
// library and storage's white-box tests under tests/storage/rocksdb/) define THIDUA_STORAGE_INTERNALS.
#ifndef THIDUA_STORAGE_INTERNALS
#error "storage/rocksdb/ is private to storage: include storage/event_log.h (see docs/architecture.md)"
#endif
