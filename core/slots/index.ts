/** Hash slots: CRC16, key to slot, slot ranges, and the slot-to-owner map. */
export { crc16, crc16OfString, CRC16_TABLE } from './crc16.ts';
export { keySlot, isValidSlot, SLOT_COUNT, MAX_SLOT } from './key-slot.ts';
export {
  type SlotRange,
  ALL_SLOTS,
  slotRange,
  parseSlotRange,
  formatSlotRange,
  formatSlotRanges,
  normalizeSlotRanges,
  slotsToRanges,
  rangesToSlots,
  countSlots,
  rangesContain,
  unionSlotRanges,
  subtractSlotRanges,
  intersectSlotRanges,
  isNormalized,
} from './slot-range.ts';
export {
  type SlotMap,
  type SlotAssignment,
  type SlotRun,
  type BuildSlotMapResult,
  UNASSIGNED,
  emptySlotMap,
  buildSlotMap,
  slotOwner,
  ownsSlot,
  assignSlots,
  unassignSlots,
  slotRangesOf,
  slotRuns,
  countAssignedSlots,
  coversAllSlots,
} from './slot-map.ts';
