module example.com/rocksdb

go 1.26

require github.com/linxGnu/grocksdb v1.7.14
