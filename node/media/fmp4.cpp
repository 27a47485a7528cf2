#include "node/media/fmp4.hpp"

namespace potok::media {
namespace {

std::uint32_t read_u32(const std::uint8_t* p) {
  return std::uint32_t(p[0]) << 24 | std::uint32_t(p[1]) << 16 | std::uint32_t(p[2]) << 8 |
         std::uint32_t(p[3]);
}

}  // namespace

const char* to_string(Fmp4Error error) {
  switch (error) {
    case Fmp4Error::kBadBoxSize: return "box size smaller than its header";
    case Fmp4Error::kBoxTooLarge: return "box or fragment larger than 64 MiB";
    case Fmp4Error::kUnboundedBox: return "box of size 0 (to end of file) in a live stream";
    case Fmp4Error::kMissingInit: return "fragment before the init segment (no moov)";
    case Fmp4Error::kBadInit: return "malformed moov";
    case Fmp4Error::kBadFragment: return "malformed moof, or mdat without moof";
  }
  return "unknown fMP4 error";
}

std::vector<Fmp4Item> Fmp4Parser::feed(std::span<const std::uint8_t> bytes) {
  std::vector<Fmp4Item> out;
  if (error_) return out;
  buffer_.insert(buffer_.end(), bytes.begin(), bytes.end());

  std::size_t pos = 0;
  while (!error_) {
    const std::size_t available = buffer_.size() - pos;
    if (available < 8) break;
    const std::uint8_t* head = buffer_.data() + pos;
    std::uint64_t size = read_u32(head);
    const std::uint32_t type = read_u32(head + 4);
    std::size_t header = 8;
    if (size == 1) {
      if (available < 16) break;
      size = std::uint64_t{read_u32(head + 8)} << 32 | read_u32(head + 12);
      header = 16;
    }
    if (size == 0) {
      error_ = Fmp4Error::kUnboundedBox;
    } else if (size < header) {
      error_ = Fmp4Error::kBadBoxSize;
    } else if (size > kMaxBoxSize || pending_.size() + size > kMaxBoxSize) {
      error_ = Fmp4Error::kBoxTooLarge;
    }
    if (error_ || size > available) break;
    take_box(type, std::span(head, static_cast<std::size_t>(size)), header, out);
    pos += static_cast<std::size_t>(size);
  }
  if (error_) {
    buffer_.clear();
    buffer_.shrink_to_fit();
    pending_.clear();
    pending_.shrink_to_fit();
    return out;
  }
  buffer_.erase(buffer_.begin(), buffer_.begin() + static_cast<std::ptrdiff_t>(pos));
  return out;
}

void Fmp4Parser::take_box(std::uint32_t type, std::span<const std::uint8_t> box,
                          std::size_t header, std::vector<Fmp4Item>& out) {
  const auto payload = box.subspan(header);
  if (type == fourcc("ftyp")) {
    // A new init segment starts; whatever was half-assembled cannot belong to it.
    pending_.assign(box.begin(), box.end());
    pending_has_moof_ = false;
    pending_info_.reset();
  } else if (type == fourcc("moov")) {
    auto info = parse_moov(payload);
    if (!info) {
      error_ = Fmp4Error::kBadInit;
      return;
    }
    InitSegment init;
    // ftyp is optional in practice; take it if it came just before.
    if (!pending_has_moof_ && pending_.size() >= 8 && read_u32(pending_.data() + 4) == fourcc("ftyp")) {
      init.bytes = std::move(pending_);
    }
    init.bytes.insert(init.bytes.end(), box.begin(), box.end());
    init.info = std::move(*info);
    pending_.clear();
    pending_has_moof_ = false;
    init_ = init;
    out.emplace_back(std::move(init));
  } else if (type == fourcc("styp") || type == fourcc("sidx") || type == fourcc("prft") ||
             type == fourcc("emsg")) {
    if (pending_has_moof_) {
      error_ = Fmp4Error::kBadFragment;  // between a moof and its mdat
      return;
    }
    // An ftyp left over without a moov is not part of a fragment.
    if (!pending_.empty() && read_u32(pending_.data() + 4) == fourcc("ftyp")) pending_.clear();
    pending_.insert(pending_.end(), box.begin(), box.end());
  } else if (type == fourcc("moof")) {
    if (!init_) {
      error_ = Fmp4Error::kMissingInit;
      return;
    }
    if (pending_has_moof_) {
      error_ = Fmp4Error::kBadFragment;  // two moofs without an mdat
      return;
    }
    pending_info_ = parse_moof(payload, init_->info);
    if (!pending_info_) {
      error_ = Fmp4Error::kBadFragment;
      return;
    }
    if (!pending_.empty() && read_u32(pending_.data() + 4) == fourcc("ftyp")) pending_.clear();
    pending_.insert(pending_.end(), box.begin(), box.end());
    pending_has_moof_ = true;
  } else if (type == fourcc("mdat")) {
    if (!init_) {
      error_ = Fmp4Error::kMissingInit;
      return;
    }
    if (!pending_has_moof_) {
      error_ = Fmp4Error::kBadFragment;
      return;
    }
    pending_.insert(pending_.end(), box.begin(), box.end());
    out.emplace_back(Fragment{std::move(pending_), *pending_info_});
    pending_.clear();
    pending_has_moof_ = false;
    pending_info_.reset();
  }
  // Anything else at the top level (free, skip, mfra, uuid...) carries nothing we forward.
}

}  // namespace potok::media
