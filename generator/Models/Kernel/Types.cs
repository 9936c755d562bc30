// Kernel type names, so that a model reads like the C it becomes. The
// translator prints each alias by its name (unsigned_int as "unsigned int").
global using u8 = System.Byte;
global using u16 = System.UInt16;
global using u32 = System.UInt32;
global using u64 = System.UInt64;
global using s32 = System.Int32;
global using s64 = System.Int64;
global using size_t = System.UInt64;
global using uintptr_t = System.UInt64;
global using unsigned_int = System.UInt32;
global using unsigned_long = System.UInt64;
global using gfp_t = System.UInt32;
// The guest's ring fields, in the guest's byte order (little-endian for a
// VIRTIO_F_VERSION_1 device, which is all vhost-scsi offers).
global using __virtio16 = System.UInt16;
global using __virtio32 = System.UInt32;
global using __virtio64 = System.UInt64;
