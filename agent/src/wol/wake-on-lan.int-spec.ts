import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { NetnsLab } from '../testing/netns-lab';
import { magicPacket } from './wake-on-lan';

const AGENT = join(__dirname, '../../../dist/agent/main.js');

describe('Wake-on-LAN', () => {
  it('builds the magic packet: six 0xff bytes, then the MAC address sixteen times', () => {
    const packet = magicPacket('00:11:22:aa:bb:cc');
    expect(packet).toHaveLength(102);
    expect(packet.subarray(0, 6)).toEqual(Buffer.alloc(6, 0xff));
    for (let i = 0; i < 16; i++) expect(packet.subarray(6 + i * 6, 12 + i * 6).toString('hex')).toBe('001122aabbcc');
  });

  describe('on a real segment (network namespaces)', () => {
    let lab: NetnsLab;
    beforeAll(() => {
      if (!existsSync(AGENT)) throw new Error(`${AGENT} is missing: build the agent first (npx nx run agent:build)`);
      lab = new NetnsLab();
    });
    afterAll(() => lab?.destroy());

    it('reaches a UDP listener on port 9 of another host on the segment as a broadcast', async () => {
      // The "sleeping host": prints the first datagram it gets on port 9, and from where it came.
      const listener = lab.run(lab.far, process.execPath, [
        '-e',
        `const s = require('node:dgram').createSocket('udp4');
         s.on('message', (m, r) => { console.log(JSON.stringify({ hex: m.toString('hex'), from: r.address })); process.exit(0); });
         s.bind(9, '0.0.0.0', () => console.error('listening'));
         setTimeout(() => process.exit(3), 15000);`,
      ]);
      await new Promise((r) => setTimeout(r, 500));
      const sent = await lab.run(lab.near, process.execPath, [AGENT, 'wake', '00-11-22-AA-BB-CC', '--broadcast', '10.250.0.255']);
      expect(sent).toContain('Sent a Wake-on-LAN magic packet for 00:11:22:aa:bb:cc to 10.250.0.255 port 9');
      const got = JSON.parse(await listener) as { hex: string; from: string };
      expect(got.from).toBe(NetnsLab.near4);
      expect(got.hex).toBe('ff'.repeat(6) + '001122aabbcc'.repeat(16));
    }, 30_000);
  });
});
