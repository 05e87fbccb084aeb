// Traffic control on the wire, both ways. Every request is checked against the bytes iproute2
// 6.1's tc sent for the same command on this machine (captured with `strace -f -e trace=sendmsg
// -e write=all tc ...` inside `unshare -n`, the sequence number zeroed), netem's too: this
// kernel has no sch_netem and refuses it ("Specified qdisc kind is unknown"), but tc's sendmsg
// still shows what it asks for. Replies are the kernel's own, captured with -e read=all.
import { C } from '../dist/wire/constants.js';
import t from 'tap';
import { checkClassid, checkPercent, checkQdiscHandle, checkRate, checkSize, checkTime } from '../dist/ops/tc.js';
import {
  encodeDelClass,
  encodeDelQdisc,
  encodeDumpClasses,
  encodeDumpQdiscs,
  encodeNewClass,
  encodeSetQdisc,
  formatClassid,
  formatRate,
  formatSize,
  formatTime,
  parseClass,
  parsePsched,
  parseQdisc,
  probability,
  PSCHED_DEFAULT,
  
  tbfLimit,
  time2tick,
  type HtbClassParams,
} from '../dist/wire/tc.js';
import { hex, message, reply } from './wire';

const ps = PSCHED_DEFAULT;
const ROOT = C.TC_H_ROOT;

// Rate tables as tc computed them (tc_calc_rtable: 256 u32 transmit times in ticks of 64 ns,
// entry i for (i + 1) << cell_log bytes, cell_log 3): tc 6.1 truncates each time to whole
// microseconds first, so 1992 bytes at 1 Mbit/s is 15935 us (248984 ticks), not 15936.
const R1M = hex(`
  e8030000d0070000b80b0000a00f00008813000070170000581b0000401f0000
  2823000010270000f82a0000e02e0000c8320000b0360000983a0000803e0000
  6842000050460000384a0000204e000008520000f0550000d8590000c05d0000
  a86100009065000078690000606d0000487100003075000018790000007d0000
  e8800000d0840000b8880000a08c0000889000007094000058980000409c0000
  28a0000010a40000f8a70000e0ab0000c8af0000b0b3000098b7000080bb0000
  68bf000050c3000038c7000020cb000008cf0000f0d20000d8d60000c0da0000
  a8de000090e2000078e6000060ea000048ee000030f2000018f6000000fa0000
  e8fd0000d0010100b8050100a0090100880d0100701101005815010040190100
  281d010010210100f8240100e0280100c82c0100b03001009834010080380100
  683c0100504001003844010020480100084c0100f04f0100d8530100c0570100
  a85b0100905f01007863010060670100486b0100306f01001873010000770100
  e87a0100d07e0100b8820100a0860100888a0100708e01005892010040960100
  289a0100109e0100f8a10100e0a50100c8a90100b0ad010098b1010080b50100
  68b9010050bd010038c1010020c5010008c90100f0cc0100d8d00100c0d40100
  a8d8010090dc010078e0010060e4010048e8010030ec010018f0010000f40100
  e8f70100d0fb0100b8ff0100a003020088070200700b0200580f020040130200
  28170200101b0200f81e0200e0220200c8260200b02a0200982e020080320200
  68360200503a0200383e02002042020008460200f0490200d84d0200c0510200
  a855020090590200785d0200606102004865020030690200186d020000710200
  e8740200d0780200b87c0200a08002008884020070880200588c020040900200
  2894020010980200f89b0200e09f0200c8a30200b0a7020098ab020080af0200
  68b3020050b7020038bb020020bf020008c30200f0c60200d8ca0200c0ce0200
  a8d2020090d6020078da020060de020048e2020030e6020018ea020000ee0200
  e8f10200d0f50200b8f90200a0fd0200880103007005030058090300400d0300
  2811030010150300f8180300e01c0300c8200300b024030098280300802c0300
  683003005034030038380300203c030008400300f0430300d8470300c04b0300
  a84f03009053030078570300605b0300485f03003063030018670300006b0300
  e86e0300d0720300b8760300a07a0300887e03007082030058860300408a0300
  288e030010920300f8950300e0990300c89d0300b0a1030098a5030080a90300
  68ad030050b1030038b5030020b9030008bd0300f0c00300d8c40300c0c80300
  98cc030090d0030068d4030060d8030048dc030030e0030018e4030000e80300
`);
const R10M = hex(`
  5d000000bb0000002801000086010000f401000051020000af0200001c030000
  7a030000e803000045040000a3040000100500006e050000dc05000039060000
  970600000407000062070000d00700002d0800008b080000f808000056090000
  c4090000210a00007f0a0000ec0a00004a0b0000b80b0000150c0000730c0000
  e00c00003e0d0000ac0d0000090e0000670e0000d40e0000320f0000a00f0000
  fd0f00005b100000c81000002611000094110000f11100004f120000bc120000
  1a13000088130000e513000043140000b01400000e1500007c150000d9150000
  37160000a41600000217000070170000cd1700002b18000098180000f6180000
  64190000c11900001f1a00008c1a0000ea1a0000581b0000b51b0000131c0000
  801c0000de1c00004c1d0000a91d0000071e0000741e0000d21e0000401f0000
  9d1f0000fb1f000068200000c62000003421000091210000ef2100005c220000
  ba2200002823000085230000e323000050240000ae2400001c25000079250000
  d725000044260000a2260000102700006d270000cb2700003828000096280000
  0429000061290000bf2900002c2a00008a2a0000f82a0000552b0000b32b0000
  202c00007e2c0000ec2c0000492d0000a72d0000142e0000722e0000e02e0000
  3d2f00009b2f00000830000066300000d4300000313100008f310000fc310000
  5a320000c83200002533000083330000f03300004e340000bc34000019350000
  77350000e435000042360000b03600000d3700006b370000d837000036380000
  a4380000013900005f390000cc3900002a3a0000983a0000f53a0000533b0000
  c03b00001e3c00008c3c0000e93c0000473d0000b43d0000123e0000803e0000
  dd3e00003b3f0000a83f00000640000074400000d14000002f4100009c410000
  fa41000068420000c54200002343000090430000ee4300005c440000b9440000
  1745000084450000e245000050460000ad4600000b47000078470000d6470000
  44480000a1480000ff4800006c490000ca490000384a0000954a0000f34a0000
  604b0000be4b00002c4c0000894c0000e74c0000544d0000b24d0000204e0000
  7d4e0000db4e0000484f0000a64f00001450000071500000cf5000003c510000
  9a5100000852000065520000c3520000305300008e530000fc53000059540000
  b75400002455000082550000f05500004d560000ab5600001857000076570000
  e4570000415800009f5800000c5900006a590000d8590000355a0000935a0000
  005b00005e5b0000cc5b0000295c0000875c0000f45c0000525d0000c05d0000
  1d5e00007b5e0000e85e0000465f0000b45f0000116000006f600000dc600000
  3a610000a86100000562000063620000d06200002e6300009c630000f9630000
`);
const R20M = hex(`
  2e0000005d0000008c000000bb000000fa000000280100005701000086010000
  b5010000f4010000220200005102000080020000af020000ee0200001c030000
  4b0300007a030000a9030000e8030000160400004504000074040000a3040000
  e2040000100500003f0500006e0500009d050000dc0500000a06000039060000
  6806000097060000d606000004070000330700006207000091070000d0070000
  fe0700002d0800005c0800008b080000ca080000f80800002709000056090000
  85090000c4090000f2090000210a0000500a00007f0a0000be0a0000ec0a0000
  1b0b00004a0b0000790b0000b80b0000e60b0000150c0000440c0000730c0000
  b20c0000e00c00000f0d00003e0d00006d0d0000ac0d0000da0d0000090e0000
  380e0000670e0000a60e0000d40e0000030f0000320f0000610f0000a00f0000
  ce0f0000fd0f00002c1000005b1000009a100000c8100000f710000026110000
  5511000094110000c2110000f1110000201200004f1200008e120000bc120000
  eb1200001a1300004913000088130000b6130000e51300001414000043140000
  82140000b0140000df1400000e1500003d1500007c150000aa150000d9150000
  081600003716000076160000a4160000d3160000021700003117000070170000
  9e170000cd170000fc1700002b1800006a18000098180000c7180000f6180000
  251900006419000092190000c1190000f01900001f1a00005e1a00008c1a0000
  bb1a0000ea1a0000191b0000581b0000861b0000b51b0000e41b0000131c0000
  521c0000801c0000af1c0000de1c00000d1d00004c1d00007a1d0000a91d0000
  d81d0000071e0000461e0000741e0000a31e0000d21e0000011f0000401f0000
  6e1f00009d1f0000cc1f0000fb1f00003a2000006820000097200000c6200000
  f5200000342100006221000091210000c0210000ef2100002e2200005c220000
  8b220000ba220000e9220000282300005623000085230000b4230000e3230000
  22240000502400007f240000ae240000dd2400001c2500004a25000079250000
  a8250000d7250000162600004426000073260000a2260000d126000010270000
  3e2700006d2700009c270000cb2700000a280000382800006728000096280000
  c528000004290000322900006129000090290000bf290000fe2900002c2a0000
  5b2a00008a2a0000b92a0000f82a0000262b0000552b0000842b0000b32b0000
  f22b0000202c00004f2c00007e2c0000ad2c0000ec2c00001a2d0000492d0000
  782d0000a72d0000e62d0000142e0000432e0000722e0000a12e0000e02e0000
  0e2f00003d2f00006c2f00009b2f0000da2f0000083000003730000066300000
  95300000d43000000231000031310000603100008f310000ce310000fc310000
`);
const R5M = hex(`
  bb00000086010000510200001c030000e8030000a30400006e05000039060000
  04070000d00700008b08000056090000210a0000ec0a0000b80b0000730c0000
  3e0d0000090e0000d40e0000a00f00005b10000026110000f1110000bc120000
  88130000431400000e150000d9150000a4160000701700002b180000f6180000
  c11900008c1a0000581b0000131c0000de1c0000a91d0000741e0000401f0000
  fb1f0000c6200000912100005c22000028230000e3230000ae24000079250000
  4426000010270000cb27000096280000612900002c2a0000f82a0000b32b0000
  7e2c0000492d0000142e0000e02e00009b2f00006630000031310000fc310000
  c8320000833300004e34000019350000e4350000b03600006b37000036380000
  01390000cc390000983a0000533b00001e3c0000e93c0000b43d0000803e0000
  3b3f000006400000d14000009c4100006842000023430000ee430000b9440000
  84450000504600000b470000d6470000a14800006c490000384a0000f34a0000
  be4b0000894c0000544d0000204e0000db4e0000a64f0000715000003c510000
  08520000c35200008e5300005954000024550000f0550000ab56000076570000
  415800000c590000d8590000935a00005e5b0000295c0000f45c0000c05d0000
  7b5e0000465f000011600000dc600000a8610000636200002e630000f9630000
  c4640000906500004b66000016670000e1670000ac68000078690000336a0000
  fe6a0000c96b0000946c0000606d00001b6e0000e66e0000b16f00007c700000
  4871000003720000ce720000997300006474000030750000eb750000b6760000
  817700004c78000018790000d37900009e7a0000697b0000347c0000007d0000
  bb7d0000867e0000517f00001c800000e8800000a38100006e82000039830000
  04840000d08400008b8500005686000021870000ec870000b888000073890000
  3e8a0000098b0000d48b0000a08c00005b8d0000268e0000f18e0000bc8f0000
  88900000439100000e920000d9920000a4930000709400002b950000f6950000
  c19600008c9700005898000013990000de990000a99a0000749b0000409c0000
  fb9c0000c69d0000919e00005c9f000028a00000e3a00000aea1000079a20000
  44a3000010a40000cba4000096a5000061a600002ca70000f8a70000b3a80000
  7ea9000049aa000014ab0000e0ab00009bac000066ad000031ae0000fcae0000
  c8af000083b000004eb1000019b20000e4b20000b0b300006bb4000036b50000
  01b60000ccb6000098b7000053b800001eb90000e9b90000b4ba000080bb0000
  3bbc000006bd0000d1bd00009cbe000068bf000023c00000eec00000b9c10000
  84c2000050c300000bc40000d6c40000a1c500006cc6000038c70000f3c70000
`);
const R2M = hex(`
  f4010000e8030000dc050000d0070000c4090000b80b0000ac0d0000a00f0000
  94110000881300007c1500007017000064190000581b00004c1d0000401f0000
  34210000282300001c2500001027000004290000f82a0000ec2c0000e02e0000
  d4300000c8320000bc340000b0360000a4380000983a00008c3c0000803e0000
  74400000684200005c4400005046000044480000384a00002c4c0000204e0000
  1450000008520000fc530000f0550000e4570000d8590000cc5b0000c05d0000
  b45f0000a86100009c6300009065000084670000786900006c6b0000606d0000
  546f0000487100003c7300003075000024770000187900000c7b0000007d0000
  f47e0000e8800000dc820000d0840000c4860000b8880000ac8a0000a08c0000
  948e0000889000007c9200007094000064960000589800004c9a0000409c0000
  349e000028a000001ca2000010a4000004a60000f8a70000eca90000e0ab0000
  d4ad0000c8af0000bcb10000b0b30000a4b5000098b700008cb9000080bb0000
  74bd000068bf00005cc1000050c3000044c5000038c700002cc9000020cb0000
  14cd000008cf0000fcd00000f0d20000e4d40000d8d60000ccd80000c0da0000
  b4dc0000a8de00009ce0000090e2000084e4000078e600006ce8000060ea0000
  54ec000048ee00003cf0000030f2000024f4000018f600000cf8000000fa0000
  f4fb0000e8fd0000dcff0000d0010100c4030100b8050100ac070100a0090100
  940b0100880d01007c0f01007011010064130100581501004c17010040190100
  341b0100281d01001c1f01001021010004230100f8240100ec260100e0280100
  d42a0100c82c0100bc2e0100b0300100a4320100983401008c36010080380100
  743a0100683c01005c3e01005040010044420100384401002c46010020480100
  144a0100084c0100fc4d0100f04f0100e4510100d8530100cc550100c0570100
  b4590100a85b01009c5d0100905f010084610100786301006c65010060670100
  54690100486b01003c6d0100306f010024710100187301000c75010000770100
  f4780100e87a0100dc7c0100d07e0100c4800100b8820100ac840100a0860100
  94880100888a01007c8c0100708e010064900100589201004c94010040960100
  34980100289a01001c9c0100109e010004a00100f8a10100eca30100e0a50100
  d4a70100c8a90100bcab0100b0ad0100a4af010098b101008cb3010080b50100
  74b7010068b901005cbb010050bd010044bf010038c101002cc3010020c50100
  14c7010008c90100fcca0100f0cc0100e4ce0100d8d00100ccd20100c0d40100
  b4d60100a8d801009cda010090dc010084de010078e001006ce2010060e40100
  44e6010048e801002cea010030ec010024ee010018f001000cf2010000f40100
`);

t.test('psched: the clock as tc reads /proc/net/psched', async (t) => {
  t.same(parsePsched('000003e8 00000040 000f4240 3b9aca00\n'), { tickInUsec: 15.625, hz: 1e9 }, 'high-resolution timers: a tick is 64 ns');
  t.same(parsePsched('000003e8 00000040 000f4240 000000fa\n'), { tickInUsec: 15.625, hz: 250 }, 'HZ 250 without them: htb bursts grow by rate/250');
  t.same(parsePsched('garbage'), PSCHED_DEFAULT, 'unreadable: the value of every kernel since 2.6.31');
  t.equal(time2tick(50000, ps), 781250, '50 ms');
});

t.test('tbf: tc qdisc replace dev v0 root tbf rate 1mbit burst 32kb latency 50ms', async (t) => {
  const raw = hex(`
    64040000 2400 0505 00000000 00000000  # len 1124, RTM_NEWQDISC, REQUEST|ACK|REPLACE|CREATE
    00 00 0000 03000000 00000000 ffffffff 00000000  # tcmsg: AF_UNSPEC, ifindex 3, handle 0 (the kernel picks), parent root, info 0
    0800 0100 74626600                    # TCA_KIND "tbf"
    3804 0200                             # TCA_OPTIONS (1080 bytes; no NLA_F_NESTED, as tc)
      2800 0100                           #   TCA_TBF_PARMS: struct tc_tbf_qopt
        03 01 0000 ffff 0000 48e80100     #     rate: cell_log 3, linklayer ethernet, overhead 0, cell_align -1, mpu 0, 125000 B/s
        00 00 0000 0000 0000 00000000     #     peakrate: none
        6a980000                          #     limit 39018 = 125000 B/s * 50 ms + 32768
        00803e00                          #     buffer 4096000 ticks = 32768 B at 125000 B/s
        00000000                          #     mtu
      0800 0600 00800000                  #   TCA_TBF_BURST 32768
      0404 0200                           #   TCA_TBF_RTAB
  `);
  const msg = Buffer.concat([raw, R1M]);
  const limit = tbfLimit(125000, 32768, 50000);
  t.equal(limit, 39018);
  t.same(encodeSetQdisc({ index: 3, handle: 0, parent: ROOT, params: { kind: 'tbf', tbf: { rate: 125000, burst: 32768, limit } } }), msg);
  const q = parseQdisc(message(msg))!;
  t.match(q, { kind: 'tbf', handle: '0:', parent: 'root', index: 3, options: { kind: 'tbf', rate: 1e6, burst: 32768, limit: 39018, latency: 50, peakrate: null, mtu: null } });
});

t.test('tbf with a peak rate: ... tbf rate 10mbit burst 10kb latency 70ms peakrate 20mbit mtu 1540', async (t) => {
  const raw = hex(`
    70080000 2400 0505 00000000 00000000  # len 2160, RTM_NEWQDISC, REQUEST|ACK|REPLACE|CREATE
    00 00 0000 03000000 00000000 ffffffff 00000000
    0800 0100 74626600                    # TCA_KIND "tbf"
    4408 0200                             # TCA_OPTIONS (2116 bytes)
      2800 0100                           #   TCA_TBF_PARMS
        03 01 0000 ffff 0000 d0121300     #     rate 1250000 B/s
        03 01 0000 ffff 0000 a0252600     #     peakrate 2500000 B/s
        cc7d0100                          #     limit 97740: the lesser of 1250000 * 70 ms + 10240 and 2500000 * 70 ms + 1540
        00f40100                          #     buffer 128000 ticks (8192 us)
        99250000                          #     mtu 9625 ticks: 1540 B at the peak rate (616 us)
      0800 0600 00280000                  #   TCA_TBF_BURST 10240
      0404 0200                           #   TCA_TBF_RTAB (10 Mbit/s)
  `);
  const ptab = hex(`
      0800 0700 04060000                  #   TCA_TBF_PBURST 1540
      0404 0300                           #   TCA_TBF_PTAB (20 Mbit/s)
  `);
  const msg = Buffer.concat([raw, R10M, ptab, R20M]);
  const limit = tbfLimit(1250000, 10240, 70000, 2500000, 1540);
  t.same(encodeSetQdisc({ index: 3, handle: 0, parent: ROOT, params: { kind: 'tbf', tbf: { rate: 1250000, burst: 10240, limit, peakrate: 2500000, mtu: 1540 } } }), msg);
  const q = parseQdisc(message(msg))!;
  t.match(q.options, { kind: 'tbf', rate: 10e6, burst: 10240, limit: 97740, latency: 70, peakrate: 20e6, mtu: 1540 });
  t.equal(q.toString(), 'qdisc tbf 0: dev 3 root refcnt 0 rate 10Mbit burst 10Kb peakrate 20Mbit minburst 1540b lat 70ms', 'as tc -j printed it: rate 1250000 B/s, burst 10240, minburst 1540, lat 70000 us');
});

t.test('tbf past 2^32 bytes/s: ... handle 1: root tbf rate 40gbit burst 1mb limit 100kb', async (t) => {
  const raw = hex(`
    70040000 2400 0505 00000000 00000000  # len 1136
    00 00 0000 02000000 00000100 ffffffff 00000000  # ifindex 2, handle 1:
    0800 0100 74626600
    4404 0200                             # TCA_OPTIONS
      2800 0100
        03 01 0000 ffff 0000 ffffffff     #     rate ~0U: the real one is TCA_TBF_RATE64
        00 00 0000 0000 0000 00000000
        00900100                          #     limit 102400
        e40e0000                          #     buffer 3812 ticks: 1048576 B at ~0U B/s, truncated to 244 us first
        00000000
      0800 0600 00001000                  #   TCA_TBF_BURST 1048576
      0c00 0400 00f2052a01000000          #   TCA_TBF_RATE64 5000000000 B/s
      0404 0200                           #   TCA_TBF_RTAB: every entry 0 ticks at that rate
  `);
  const msg = Buffer.concat([raw, Buffer.alloc(1024)]);
  t.same(encodeSetQdisc({ index: 2, handle: 0x10000, parent: ROOT, params: { kind: 'tbf', tbf: { rate: 5e9, burst: 1048576, limit: 102400 } } }), msg);
  const q = parseQdisc(message(msg))!;
  t.match(q.options, { rate: 40e9, limit: 102400 }, 'the rate from TCA_TBF_RATE64');
});

t.test('tbf as a leaf: ... parent 1:10 handle 10: tbf rate 1.5mbit burst 1540 latency 4.35ms', async (t) => {
  const head = hex(`
    64040000 2400 0505 00000000 00000000
    00 00 0000 03000000 00001000 10000100 00000000  # handle 10:, parent 1:10
    0800 0100 74626600
    3804 0200
      2800 0100
        03 01 0000 ffff 0000 6cdc0200     #     rate 187500 B/s
        00 00 0000 0000 0000 00000000
        33090000                          #     limit 2355 = 187500 B/s * 4350 us + 1540, truncated
        48f50100                          #     buffer 128328 ticks
        00000000
      0800 0600 04060000                  #   TCA_TBF_BURST 1540
      0404 0200
  `);
  t.equal(checkTime('4.35ms', 'latency'), 4350, "a string is read with tc's arithmetic: strtod, times 1000, truncated");
  t.equal(checkTime(4.35, 'latency'), 4350, 'a number of milliseconds, to the microsecond');
  const msg = encodeSetQdisc({ index: 3, handle: 0x100000, parent: 0x10010, params: { kind: 'tbf', tbf: { rate: checkRate('1.5mbit', 'rate'), burst: checkSize('1540', 'burst'), limit: tbfLimit(187500, 1540, 4350) } } });
  t.same(msg.subarray(0, head.length), head);
});

t.test('htb: tc qdisc replace dev v0 root handle 1: htb default 10', async (t) => {
  const raw = hex(`
    48000000 2400 0505 00000000 00000000  # len 72, RTM_NEWQDISC, REQUEST|ACK|REPLACE|CREATE
    00 00 0000 03000000 00000100 ffffffff 00000000  # handle 1:, parent root
    0800 0100 68746200                    # TCA_KIND "htb"
    1c00 0200                             # TCA_OPTIONS
      1800 0200                           #   TCA_HTB_INIT: struct tc_htb_glob
        03000000 0a000000 10000000        #     version 3, rate2quantum 10, defcls 0x10 (tc reads "default 10" as hex)
        00000000 00000000                 #     debug, direct_pkts
  `);
  t.same(encodeSetQdisc({ index: 3, handle: 0x10000, parent: ROOT, params: { kind: 'htb', htb: { defcls: 0x10, r2q: 10 } } }), raw);
  t.same(encodeSetQdisc({ index: 2, handle: 0x20000, parent: ROOT, params: { kind: 'htb', htb: { defcls: 0, r2q: 5, directQlen: 100 } } }), hex(`
    50000000 2400 0505 00000000 00000000  # ... htb r2q 5 direct_qlen 100
    00 00 0000 02000000 00000200 ffffffff 00000000
    0800 0100 68746200
    2400 0200
      1800 0200 03000000 05000000 00000000 00000000 00000000
      0800 0500 64000000                  #   TCA_HTB_DIRECT_QLEN 100
  `));
});

const cls = (p: Partial<HtbClassParams> & { rate: number }): HtbClassParams => ({ ceil: p.rate, prio: 0, quantum: 0, mtu: 1600, ...p });

t.test('htb classes: tc class add dev v0 parent 1:1 classid 1:10 htb rate 1mbit ceil 5mbit burst 15k cburst 15k prio 1 quantum 1500', async (t) => {
  const raw = hex(`
    68080000 2800 0506 00000000 00000000  # len 2152, RTM_NEWTCLASS, REQUEST|ACK|EXCL|CREATE
    00 00 0000 03000000 10000100 01000100 00000000  # handle (classid) 1:10, parent 1:1
    0800 0100 68746200                    # TCA_KIND "htb"
    3c08 0200                             # TCA_OPTIONS
      3000 0100                           #   TCA_HTB_PARMS: struct tc_htb_opt
        03 01 0000 ffff 0000 48e80100     #     rate 125000 B/s (cell_log 3 for mtu 1600)
        03 01 0000 ffff 0000 68890900     #     ceil 625000 B/s
        004c1d00 00dc0500                 #     buffer 1920000 ticks (15360 B at the rate), cbuffer 384000 (at the ceil)
        dc050000 00000000 01000000        #     quantum 1500, level 0, prio 1
      0404 0400                           #   TCA_HTB_RTAB
  `);
  const msg = Buffer.concat([raw, R1M, hex('0404 0300  # TCA_HTB_CTAB'), R5M]);
  t.same(encodeNewClass({ index: 3, classid: 0x10010, parent: 0x10001, htb: cls({ rate: 125000, ceil: 625000, burst: 15360, cburst: 15360, prio: 1, quantum: 1500 }) }, true), msg);
  t.match(parseClass(message(msg)), { kind: 'htb', classid: '1:10', parent: '1:1', leaf: null, options: { rate: 1e6, ceil: 5e6, burst: 15360, cburst: 15360, prio: 1, quantum: 1500, level: 0 } });

  const top = hex(`
    68080000 2800 0506 00000000 00000000  # tc class add dev v0 parent 1: classid 1:1 htb rate 10mbit
    00 00 0000 03000000 01000100 00000100 00000000  # classid 1:1, parent 1: (the qdisc: a class at the top)
    0800 0100 68746200
    3c08 0200
      3000 0100
        03 01 0000 ffff 0000 d0121300     #     rate 1250000 B/s
        03 01 0000 ffff 0000 d0121300     #     ceil = rate
        204e0000 204e0000                 #     buffer, cbuffer 20000 ticks: tc's default burst, rate / HZ (10^9) + mtu = 1600 B
        00000000 00000000 00000000
      0404 0400
  `);
  t.same(encodeNewClass({ index: 3, classid: 0x10001, parent: 0x10000, htb: cls({ rate: 1250000 }) }, true), Buffer.concat([top, R10M, hex('0404 0300'), R10M]));

  const replace = hex(`
    68080000 2800 0504 00000000 00000000  # tc class replace ... classid 1:10 htb rate 2mbit: REQUEST|ACK|CREATE, no EXCL
    00 00 0000 03000000 10000100 01000100 00000000
    0800 0100 68746200
    3c08 0200
      3000 0100
        03 01 0000 ffff 0000 90d00300     #     rate 250000 B/s
        03 01 0000 ffff 0000 90d00300
        a0860100 a0860100                 #     100000 ticks: 1600 B
        00000000 00000000 00000000
      0404 0400
  `);
  t.same(encodeNewClass({ index: 3, classid: 0x10010, parent: 0x10001, htb: cls({ rate: 250000 }) }, false), Buffer.concat([replace, R2M, hex('0404 0300'), R2M]));
});

t.test('an htb class past 2^32 bytes/s: ... classid 1:2 htb rate 50gbit', async (t) => {
  const raw = hex(`
    80080000 2800 0506 00000000 00000000  # len 2176
    00 00 0000 03000000 02000100 00000100 00000000
    0800 0100 68746200
    5408 0200
      0c00 0600 806e877401000000          #   TCA_HTB_RATE64 6250000000 B/s
      0c00 0700 806e877401000000          #   TCA_HTB_CEIL64
      3000 0100
        03 01 0000 ffff 0000 ffffffff     #     rate ~0U
        03 01 0000 ffff 0000 ffffffff
        00000000 00000000                 #     buffer 0 ticks: 1606 B at 6.25 GB/s is 0.26 us, truncated (tc 6.1 prints "burst 0b")
        00000000 00000000 00000000
      0404 0400
  `);
  const msg = Buffer.concat([raw, Buffer.alloc(1024), hex('0404 0300'), Buffer.alloc(1024)]);
  t.same(encodeNewClass({ index: 3, classid: 0x10002, parent: 0x10000, htb: cls({ rate: 6.25e9 }) }, true), msg);
  t.match(parseClass(message(msg))?.options, { rate: 50e9, ceil: 50e9, burst: 0 });
});

t.test('ingress and clsact: fixed handle ffff: and parent ffff:fff1, no options', async (t) => {
  t.same(encodeSetQdisc({ index: 3, handle: 0xffff0000, parent: C.TC_H_INGRESS, params: { kind: 'ingress' } }), hex(`
    30000000 2400 0505 00000000 00000000  # tc qdisc replace dev v0 ingress
    00 00 0000 03000000 0000ffff f1ffffff 00000000  # handle ffff:, parent TC_H_INGRESS
    0c00 0100 696e677265737300            # TCA_KIND "ingress"
  `));
  t.same(encodeSetQdisc({ index: 2, handle: 0xffff0000, parent: C.TC_H_CLSACT, params: { kind: 'clsact' } }), hex(`
    30000000 2400 0505 00000000 00000000  # tc qdisc replace dev v1 clsact
    00 00 0000 02000000 0000ffff f1ffffff 00000000
    0b00 0100 636c7361637400 00           # TCA_KIND "clsact"
  `));
});

t.test('netem: a struct tc_netem_qopt inside TCA_OPTIONS, then attributes', async (t) => {
  const delay = hex(`
    60000000 2400 0505 00000000 00000000  # tc qdisc replace dev v0 root netem delay 10ms 2ms loss 1% rate 1mbit
    00 00 0000 03000000 00000000 ffffffff 00000000
    0a00 0100 6e6574656d000000            # TCA_KIND "netem"
    3000 0200                             # TCA_OPTIONS (44 bytes)
      5a620200                            #   latency 156250 ticks (10 ms)
      e8030000                            #   limit 1000 packets
      295c8f02                            #   loss 42949673: rint(1% of UINT32_MAX)
      00000000 00000000                   #   gap, duplicate
      127a0000                            #   jitter 31250 ticks (2 ms)
      1400 0600                           #   TCA_NETEM_RATE: struct tc_netem_rate
        48e80100 00000000 00000000 00000000  # rate 125000 B/s, packet overhead, cell size, cell overhead
  `);
  const netem = { limit: 1000, latency: time2tick(10000, ps), jitter: time2tick(2000, ps), loss: probability(checkPercent('1%', 'loss')), rate: 125000 };
  t.same(encodeSetQdisc({ index: 3, handle: 0, parent: ROOT, params: { kind: 'netem', netem } }), delay);
  const q = parseQdisc(message(delay))!;
  t.match(q.options, { kind: 'netem', limit: 1000, delay: 10, jitter: 2, loss: 1.0000000011641532, rate: 1e6 });
  t.equal(q.toString(), 'qdisc netem 0: dev 3 root refcnt 0 limit 1000 delay 10ms  2ms loss 1% rate 1Mbit', "as tc 6.1's netem_print_opt prints it (two spaces before the jitter)");

  const corr = hex(`
    5c000000 2400 0505 00000000 00000000  # ... netem limit 2000 delay 100ms 10ms 25% loss 0.3% 25%
    00 00 0000 03000000 00000000 ffffffff 00000000
    0a00 0100 6e6574656d000000
    2c00 0200
      84d71700 d0070000 a69bc400 00000000 00000000 5a620200  # latency 1562500, limit 2000, loss 12884902, jitter 156250
      1000 0100                           #   TCA_NETEM_CORR: struct tc_netem_corr
        00000040 00000040 00000000        #     delay 25%, loss 25%, duplicate 0
  `);
  const n2 = { limit: 2000, latency: time2tick(100000, ps), jitter: time2tick(10000, ps), loss: probability(0.003), corr: { delay: probability(0.25), loss: probability(0.25) } };
  t.same(encodeSetQdisc({ index: 3, handle: 0, parent: ROOT, params: { kind: 'netem', netem: n2 } }), corr);
  t.equal(parseQdisc(message(corr))!.toString(), 'qdisc netem 0: dev 3 root refcnt 0 limit 2000 delay 100ms  10ms 25% loss 0.3% 25%');

  t.same(encodeSetQdisc({ index: 3, handle: 0x50000, parent: ROOT, params: { kind: 'netem', netem: { limit: 1000, latency: 0, jitter: 0, loss: probability(0.05) } } }), hex(`
    4c000000 2400 0505 00000000 00000000  # ... root handle 5: netem loss 5%
    00 00 0000 03000000 00000500 ffffffff 00000000
    0a00 0100 6e6574656d000000
    1c00 0200 00000000 e8030000 cdcccc0c 00000000 00000000 00000000
  `));
  t.same(encodeSetQdisc({ index: 3, handle: 0, parent: ROOT, params: { kind: 'netem', netem: { limit: 1000, latency: 0, jitter: 0, loss: 0, rate: 6.25e9 } } }), hex(`
    6c000000 2400 0505 00000000 00000000  # ... netem rate 50gbit
    00 00 0000 03000000 00000000 ffffffff 00000000
    0a00 0100 6e6574656d000000
    3c00 0200 00000000 e8030000 00000000 00000000 00000000 00000000
      0c00 0800 806e877401000000          #   TCA_NETEM_RATE64 6250000000 B/s, before TCA_NETEM_RATE
      1400 0600 ffffffff 00000000 00000000 00000000  # TCA_NETEM_RATE: ~0U
  `));

  // What kernels since 4.15 dump besides: the delay in nanoseconds, TCA_NETEM_LATENCY64 and
  // JITTER64, which win over the ticks (these values are made up: 1.5 us, 0.25 us).
  const ns = hex(`
    00 00 0000 03000000 00000100 ffffffff 01000000
    0a00 0100 6e6574656d000000
    3400 0200 17000000 e8030000 00000000 00000000 00000000 04000000  # 23 and 4 ticks
      0c00 0a00 dc05000000000000          #   TCA_NETEM_LATENCY64 1500 ns
      0c00 0b00 fa00000000000000          #   TCA_NETEM_JITTER64 250 ns
  `);
  t.match(parseQdisc(reply(C.RTM_NEWQDISC, ns))?.options, { delay: 0.0015, jitter: 0.00025, loss: 0, rate: null });
});

t.test('deletes and dumps, as tc sends them', async (t) => {
  t.same(encodeDelQdisc(3, ROOT), hex(`
    24000000 2500 0500 00000000 00000000  # tc qdisc del dev v0 root: RTM_DELQDISC, REQUEST|ACK
    00 00 0000 03000000 00000000 ffffffff 00000000
  `));
  t.same(encodeDelQdisc(3, 0x10010), hex('24000000 2500 0500 00000000 00000000  00 00 0000 03000000 00000000 10000100 00000000  # ... parent 1:10'));
  t.same(encodeDelQdisc(3, C.TC_H_INGRESS, 0xffff0000, 'ingress'), hex(`
    30000000 2500 0500 00000000 00000000  # tc qdisc del dev v0 ingress: the handle and the kind too
    00 00 0000 03000000 0000ffff f1ffffff 00000000
    0c00 0100 696e677265737300
  `));
  t.same(encodeDelClass(3, 0x10002), hex('24000000 2900 0500 00000000 00000000  00 00 0000 03000000 02000100 00000000 00000000  # tc class del dev v0 classid 1:2'));
  t.same(encodeDumpQdiscs(3), hex('24000000 2600 0103 00000000 00000000  00 00 0000 03000000 00000000 00000000 00000000  # tc qdisc show dev v0: RTM_GETQDISC, REQUEST|DUMP'));
  t.same(encodeDumpClasses(3), hex('24000000 2a00 0103 00000000 00000000  00 00 0000 03000000 00000000 00000000 00000000  # tc class show dev v0: RTM_GETTCLASS'));
});

// The kernel's answers to `tc qdisc show` and `tc class show dev v0` after:
//   tc qdisc replace dev v0 root handle 1: htb default 10
//   tc class add dev v0 parent 1: classid 1:1 htb rate 10mbit
//   tc class add dev v0 parent 1:1 classid 1:10 htb rate 1mbit ceil 5mbit burst 15k cburst 15k prio 1 quantum 1500
//   tc qdisc add dev v0 parent 1:10 handle 10: tbf rate 1mbit burst 32kb latency 50ms
//   tc qdisc add dev v0 ingress; tc qdisc add dev v1 clsact
// Each ends with TCA_HW_OFFLOAD 0, TCA_STATS2 (basic, rate estimator, queue) and TCA_STATS, all 0.
const STATS = `05000c00 00000000 30000700 14000100 00000000000000000000000000000000 18000300 0000000000000000000000000000000000000000
  2c000300 0000000000000000000000000000000000000000000000000000000000000000000000000000000000000000`;
const kernel = {
  htb: `b4000000 2400 0200 00000000 00000000  00 00 0000 03000000 00000100 ffffffff 03000000
    08000100 68746200  24000200 18000200 11000300 0a000000 10000000 00000000 00000000  08000500 e8030000  # version 3.17, DIRECT_QLEN 1000
    ${STATS}`,
  tbf: `bc000000 2400 0200 00000000 00000000  00 00 0000 03000000 00001000 10000100 01000000
    08000100 74626600  2c000200 28000100 00010000 00000000 48e80100 000000000000000000000000 6a980000 00803e00 00000000  # cell_log 0 and cell_align 0 as the kernel keeps them
    ${STATS}`,
  ingress: `98000000 2400 0200 00000000 00000000  00 00 0000 03000000 0000ffff f1ffffff 01000000
    0c000100 696e677265737300  04000200  # an empty TCA_OPTIONS
    ${STATS}`,
  clsact: `98000000 2400 0200 00000000 00000000  00 00 0000 02000000 0000ffff f1ffffff 01000000
    0b000100 636c7361637400 00  04000200
    ${STATS}`,
};

t.test('qdiscs read back from the kernel, and printed as tc qdisc show prints them', async (t) => {
  const tcShow = {
    clsact: 'qdisc clsact ffff: dev v1 parent ffff:fff1',
    htb: 'qdisc htb 1: dev v0 root refcnt 3 r2q 10 default 0x10 direct_packets_stat 0 direct_qlen 1000',
    tbf: 'qdisc tbf 10: dev v0 parent 1:10 rate 1Mbit burst 32Kb lat 50ms',
    ingress: 'qdisc ingress ffff: dev v0 parent ffff:fff1 ----------------',
  };
  for (const [kind, bytes] of Object.entries(kernel)) {
    const q = parseQdisc(message(hex(bytes)))!;
    q.dev = q.index === 3 ? 'v0' : 'v1';
    t.equal(q.toString(), tcShow[kind as keyof typeof tcShow], kind);
    t.same(q.stats, { bytes: 0, packets: 0, drops: 0, overlimits: 0, requeues: 0, backlog: 0, qlen: 0 }, `${kind}: counters`);
  }
  t.match(parseQdisc(message(hex(kernel.htb))), { kind: 'htb', handle: '1:', parent: 'root', refcnt: 3, options: { kind: 'htb', default: 16, r2q: 10, directPackets: 0, directQlen: 1000 } });
  t.match(parseQdisc(message(hex(kernel.tbf))), { handle: '10:', parent: '1:10', options: { rate: 1e6, burst: 32768, latency: 50 } });
  t.equal(parseQdisc(message(hex(kernel.ingress)))?.options, null);
  const counted = hex(`
    00 00 0000 03000000 00000100 ffffffff 01000000
    08000100 74626600
    3c000700                              # TCA_STATS2
      14000100 40e20100 00000000 d2040000 00000000  # basic: 123456 bytes, 1234 packets
      18000300 02000000 dc050000 07000000 01000000 63000000  # queue: qlen 2, backlog 1500, drops 7, requeues 1, overlimits 99
      0c000800 0000000001000000           # TCA_STATS_PKT64: 2^32 packets, over the 32-bit count
  `);
  t.same(parseQdisc(reply(C.RTM_NEWQDISC, counted))?.stats, { bytes: 123456, packets: 2 ** 32, drops: 7, overlimits: 99, requeues: 1, backlog: 1500, qlen: 2 });
  t.same(parseQdisc(reply(C.RTM_NEWQDISC, counted))?.attribute(C.TCA_KIND), Buffer.from('tbf\0'), 'attributes stay readable');
});

t.test('classes read back from the kernel, as tc class show prints them', async (t) => {
  const c10 = parseClass(message(hex(`
    ec000000 2800 0200 00000000 00000000  00 00 0000 03000000 10000100 01000100 00001000  # 1:10, parent 1:1, info: leaf 10:
    08000100 68746200
    34000200 30000100 00010000 00000000 48e80100 00010000 00000000 68890900 004c1d00 00dc0500 dc050000 00000000 01000000
    48000700 14000100 00000000000000000000000000000000 18000300 0000000000000000000000000000000000000000
      18000400 00000000 00000000 00000000 004c1d00 dc050000  # TCA_STATS_APP: htb's xstats
    2c000300 0000000000000000000000000000000000000000000000000000000000000000000000000000000000000000
    18000400 00000000 00000000 00000000 004c1d00 dc050000   # TCA_XSTATS
  `)))!;
  t.match(c10, { kind: 'htb', classid: '1:10', parent: '1:1', leaf: '10:', index: 3, options: { rate: 1e6, ceil: 5e6, burst: 15360, cburst: 15360, prio: 1, quantum: 1500, level: 0 } });
  const c1 = parseClass(message(hex(`
    ec000000 2800 0200 00000000 00000000  00 00 0000 03000000 01000100 ffffffff 00000000  # 1:1 at the top: parent root
    08000100 68746200
    34000200 30000100 00010000 00000000 d0121300 00010000 00000000 d0121300 204e0000 204e0000 48e80100 07000000 00000000  # quantum 125000, level 7
    48000700 14000100 00000000000000000000000000000000 18000300 0000000000000000000000000000000000000000
      18000400 00000000 00000000 00000000 204e0000 204e0000
    2c000300 0000000000000000000000000000000000000000000000000000000000000000000000000000000000000000
    18000400 00000000 00000000 00000000 204e0000 204e0000
  `)))!;
  const tbf = parseClass(message(hex(`
    5c000000 2800 0200 00000000 00000000  00 00 0000 03000000 01001000 00001000 00000000  # tbf's one class, 10:1
    08000100 74626600  04000700
    2c000300 0000000000000000000000000000000000000000000000000000000000000000000000000000000000000000
  `)))!;
  const tcShow = [
    'class htb 1:10 parent 1:1 leaf 10: prio 1 rate 1Mbit ceil 5Mbit burst 15Kb cburst 15Kb',
    'class htb 1:1 root rate 10Mbit ceil 10Mbit burst 1600b cburst 1600b',
    'class tbf 10:1 parent 10:',
  ];
  for (const [i, c] of [c10, c1, tbf].entries()) {
    c.dev = 'v0';
    t.equal(c.toString(), tcShow[i]!.replace(/^(class \S+ \S+)/u, '$1 dev v0'), `${c.classid}: tc class show dev v0, with the dev tc monitor prints`);
  }
  t.equal(tbf.options, null);
});

t.test("tc's numbers and names, both ways", async (t) => {
  t.equal(checkRate('1mbit', 'rate'), 125000);
  t.equal(checkRate('1Mbit', 'rate'), 125000, 'suffixes in any case, as tc compares them');
  t.equal(checkRate('1mbps', 'rate'), 1000000, "tc's bps is bytes per second");
  t.equal(checkRate('1mibit', 'rate'), 131072);
  t.equal(checkRate(1001, 'rate'), 125, 'bits are divided by 8 and rounded down');
  t.equal(checkRate('40gbit', 'rate'), 5e9);
  t.equal(checkSize('32kb', 'burst'), 32768);
  t.equal(checkSize('15k', 'burst'), 15360);
  t.equal(checkSize('1mbit', 'burst'), 131072, "tc's size in mbit is 1024 * 1024 / 8 bytes");
  t.equal(checkSize('1.5kb', 'burst'), 1536);
  t.equal(checkTime('1.5s', 'latency'), 1500000);
  t.equal(checkTime('500us', 'latency'), 500);
  t.equal(checkPercent('0.3%', 'loss'), 0.003);
  t.equal(checkPercent(25, 'loss'), 0.25);
  t.equal(probability(0.25), 0x40000000, 'rint(0.25 * UINT32_MAX) rounds the half to even');
  t.equal(checkQdiscHandle('1:'), 0x10000);
  t.equal(checkQdiscHandle('ffff'), 0xffff0000);
  t.equal(checkClassid('1:10', 'classid', false), 0x10010);
  t.equal(checkClassid(':10', 'default', false), 0x10);
  t.equal(checkClassid('root', 'parent', true), ROOT);
  for (const [v, s] of [[ROOT, 'root'], [0, 'none'], [0x10010, '1:10'], [0x10000, '1:'], [0x5, ':5'], [0xfffffff1, 'ffff:fff1']] as const) t.equal(formatClassid(v), s);
  for (const [v, s] of [[1e6, '1Mbit'], [1.5e6, '1500Kbit'], [50e9, '50Gbit'], [800, '800bit'], [1000, '1Kbit'], [10008, '10008bit']] as const) t.equal(formatRate(v), s, `rate ${v}`);
  for (const [v, s] of [[32768, '32Kb'], [1600, '1600b'], [1048576, '1Mb'], [1045000, '1045000b'], [15360, '15Kb'], [1540, '1540b']] as const) t.equal(formatSize(v), s, `size ${v}`);
  for (const [v, s] of [[50000, '50ms'], [800, '800us'], [1500000, '1.5s'], [4349, '4.35ms'], [123456, '123ms']] as const) t.equal(formatTime(v), s, `time ${v}`);
});
