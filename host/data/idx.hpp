// IDX image and label files (the MNIST / Fashion-MNIST format: a big-endian header of a type code and the
// dimensions, then unsigned bytes), read through zlib so the Debian package's .gz files and plain files both
// load. Fashion-MNIST comes from Debian's dataset-fashion-mnist (/usr/share/datasets/fashion-mnist/, installed by
// tools/setup.sh); a small committed subset in data/fashion-mnist-small/ (data/README.md) lets tests run without it.
// Files are untrusted input: every defect is one InputError naming the file, the byte offset and the scenario key.
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "data/dataset.hpp"

namespace mc {

constexpr std::size_t kMaxIdxItems = 1u << 20;  ///< images or labels of one file (Fashion-MNIST has 60,000)

/// An IDX file of unsigned bytes: dims (first = item count) and the items' bytes in file order.
struct IdxArray {
  std::vector<std::uint32_t> dims;
  std::vector<std::uint8_t> data;
};

/// Reads an IDX file of type 0x08 (unsigned byte) with `rank` dimensions, gzip-compressed or not. `key` names the
/// scenario key in messages. Throws InputError on a missing file, a wrong magic, type or rank, a truncated body,
/// trailing bytes, or more than kMaxIdxItems items.
IdxArray read_idx(const std::string& path, int rank, const std::string& key);

/// Images (rank 3: count x rows x cols) and labels (rank 1) as a Dataset: one row per image, features
/// "px_<row>_<col>" scaled to [0, 1] (byte / 255), labels 0..9 as classes. Throws InputError when the counts
/// differ, a label is out of range, or a class has no row.
Dataset load_idx_dataset(const std::string& images, const std::string& labels, const std::string& key);

/// The folder of the Fashion-MNIST IDX files: $MC_FASHION_MNIST when set, else /usr/share/datasets/fashion-mnist.
std::string fashion_mnist_dir();

/// Fashion-MNIST's training ("train", 60,000 images) or test ("test", 10,000) part from `dir` (default
/// fashion_mnist_dir()); throws InputError at `key` naming the Debian package dataset-fashion-mnist when the
/// files are absent.
Dataset load_fashion_mnist(const std::string& part, const std::string& key, const std::string& dir = "");

/// Fashion-MNIST's class names, 0..9 (T-shirt/top, Trouser, Pullover, Dress, Coat, Sandal, Shirt, Sneaker, Bag,
/// Ankle boot).
const std::vector<std::string>& fashion_mnist_classes();

}  // namespace mc
